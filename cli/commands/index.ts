import type { Command } from 'commander';
import { registerOpensearch } from './opensearch';
import { registerSetup } from './setup';
import { registerDemo } from './demo';
import { registerDashboards } from './dashboards';
import { registerDecode } from './decode';
import { registerGenerate } from './generate';
import { registerIndex } from './index-cmd';
import { registerPrune } from './prune';
import { registerRollup } from './rollup';
import { registerServe } from './serve';
import { registerSaved } from './saved';
import { registerQuery } from './query';
import { registerReport } from './report';
import { registerAlerts } from './alerts';
import { registerCollect } from './collect';

/** Each command module registers itself on the program; add new commands here. */
export const COMMANDS: ((program: Command) => void)[] = [registerOpensearch, registerSetup, registerDemo, registerDashboards, registerDecode, registerGenerate, registerIndex, registerPrune, registerServe, registerSaved, registerQuery, registerReport, registerRollup, registerAlerts, registerCollect];
