import type { Command } from 'commander';

/** Each command module registers itself on the program; add new commands here. */
export const COMMANDS: ((program: Command) => void)[] = [];
