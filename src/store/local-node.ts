import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LocalNodeConfig } from '../config';
import { FlowdexError } from '../errors';

const run = promisify(execFile);

/**
 * A real OpenSearch managed by flowdex, one node or a cluster of `nodes` on 127.0.0.1:
 * OpenSearch's own `integ-test-zip` distribution from Maven Central, fetched with `mvn`,
 * unpacked once under `home`, each node started as an unprivileged user (OpenSearch refuses
 * root) with its own ports, data and logs, and stopped by its pid.
 */

/** One node of the local cluster. */
export interface MemberStatus {
  name: string;
  url: string;
  running: boolean;
  pid?: number;
}

export interface NodeStatus {
  /** The first node's URL: the one flowdex talks to. */
  url: string;
  /** True when any node answers. */
  running: boolean;
  version?: string;
  health?: string;
  /** The first node's pid. */
  pid?: number;
  managed: boolean;
  /** Every node, the first one first. */
  members: MemberStatus[];
}

export interface StartResult extends NodeStatus {
  /** False when a node was already answering on the port and was reused. */
  started: boolean;
  startupMs: number;
}

export type Logger = (line: string) => void;

export function nodeUrl(cfg: LocalNodeConfig): string {
  return `http://127.0.0.1:${cfg.port}`;
}

/** HTTP port of node `i`; its transport port is 100 above. */
const portOf = (cfg: LocalNodeConfig, i: number): number => cfg.port + i;
const nameOf = (cfg: LocalNodeConfig, i: number): string => `flowdex-${portOf(cfg, i)}`;
const urlOf = (cfg: LocalNodeConfig, i: number): string => `http://127.0.0.1:${portOf(cfg, i)}`;
const indicesOf = (cfg: LocalNodeConfig): number[] => Array.from({ length: Math.max(1, cfg.nodes) }, (_, i) => i);
const clusterName = (cfg: LocalNodeConfig): string => (cfg.nodes > 1 ? `flowdex-cluster-${cfg.port}` : 'flowdex-local');

function paths(cfg: LocalNodeConfig, i = 0) {
  const dist = path.join(cfg.home, 'dist');
  const install = path.join(cfg.home, `opensearch-${cfg.version}`);
  // A cluster's nodes live apart from single nodes: a node's data belongs to one cluster for good.
  const node =
    cfg.nodes > 1
      ? path.join(cfg.home, `cluster-${cfg.version}-${cfg.port}`, nameOf(cfg, i))
      : path.join(cfg.home, `node-${cfg.version}-${cfg.port}`);
  return {
    dist,
    zip: path.join(dist, `opensearch-${cfg.version}.zip`),
    install,
    node,
    data: path.join(node, 'data'),
    logs: path.join(node, 'logs'),
    config: path.join(node, 'config'),
    pidFile: path.join(node, 'opensearch.pid'),
    stdoutLog: path.join(node, 'stdout.log'),
  };
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** Java major version of a java binary, or undefined when it does not run. */
async function javaMajor(javaBin: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run(javaBin, ['-version']);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
    if (!m) return undefined;
    const first = Number(m[1]);
    return first === 1 ? Number(m[2]) : first;
  } catch {
    return undefined;
  }
}

/**
 * Picks a JDK for the OpenSearch version: 3.x needs Java 21+, 2.x runs on 11–21. Looks at
 * FLOWDEX_JAVA_HOME, JAVA_HOME and every JDK under /usr/lib/jvm; newest suitable wins.
 */
export async function findJava(
  version: string,
  env: NodeJS.ProcessEnv = process.env,
  jvmDir = '/usr/lib/jvm',
): Promise<{ home: string; major: number }> {
  const min = majorOf(version) >= 3 ? 21 : 11;
  const max = majorOf(version) >= 3 ? 99 : 21;
  const candidates: string[] = [];
  for (const v of [env.FLOWDEX_JAVA_HOME, env.JAVA_HOME]) if (v) candidates.push(v);
  try {
    for (const d of await fs.readdir(jvmDir)) candidates.push(path.join(jvmDir, d));
  } catch {
    // no system JDKs
  }
  const found: { home: string; major: number }[] = [];
  for (const home of new Set(candidates)) {
    const bin = path.join(home, 'bin', 'java');
    if (!existsSync(bin)) continue;
    const major = await javaMajor(bin);
    if (major !== undefined && major >= min && major <= max) found.push({ home: await fs.realpath(home), major });
  }
  found.sort((a, b) => b.major - a.major);
  const best = found[0];
  if (!best) {
    throw new FlowdexError(
      'NODE_NO_JAVA',
      `OpenSearch ${version} needs Java ${min}${max < 99 ? `-${max}` : '+'}, none found in FLOWDEX_JAVA_HOME, JAVA_HOME or ${jvmDir}; install one (e.g. apt-get install openjdk-${min}-jdk-headless) or set FLOWDEX_JAVA_HOME`,
    );
  }
  return best;
}

/** Downloads the distribution zip with Maven unless it is cached. */
async function fetchDistribution(cfg: LocalNodeConfig, log: Logger): Promise<string> {
  const p = paths(cfg);
  if (existsSync(p.zip)) return p.zip;
  await fs.mkdir(p.dist, { recursive: true });
  const artifact = `org.opensearch.distribution.integ-test-zip:opensearch:${cfg.version}:zip`;
  log(`fetching ${artifact} from Maven Central`);
  try {
    await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${p.dist}`], {
      maxBuffer: 16 << 20,
    });
  } catch (e) {
    const out = (e as { stdout?: string; stderr?: string }).stdout ?? '';
    const reason = /ERROR\]\s*(.*)/.exec(out)?.[1]?.slice(0, 300) ?? (e as Error).message.split('\n')[0];
    throw new FlowdexError(
      'NODE_FETCH_FAILED',
      `mvn could not fetch ${artifact}: ${reason}; check Maven Central access or pick another FLOWDEX_OPENSEARCH_VERSION`,
    );
  }
  if (!existsSync(p.zip))
    throw new FlowdexError('NODE_FETCH_FAILED', `mvn reported success but ${p.zip} is missing (artifact ${artifact})`);
  return p.zip;
}

async function unpack(cfg: LocalNodeConfig, zip: string, log: Logger): Promise<void> {
  const p = paths(cfg);
  if (existsSync(path.join(p.install, 'bin', 'opensearch'))) return;
  log(`unpacking ${path.basename(zip)}`);
  const tmp = `${p.install}.partial`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  await run('unzip', ['-q', zip, '-d', tmp], { maxBuffer: 16 << 20 });
  // The zip holds one top-level folder; move it into place atomically so a crash leaves no half tree.
  const [inner] = await fs.readdir(tmp);
  if (!inner) throw new FlowdexError('NODE_START_FAILED', `${zip} is empty; delete it and retry`);
  await fs.rename(path.join(tmp, inner), p.install);
  await fs.rm(tmp, { recursive: true, force: true });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function ensureUser(user: string): Promise<void> {
  try {
    await run('id', ['-u', user]);
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  }
}

/**
 * The node's guards, a second line behind flowdex's own input bounds (src/query/limits.ts):
 * search backpressure cancels the most expensive searches while the node is in duress instead
 * of letting them take it down; a search still running after a minute is cancelled (flowdex
 * itself gives up after its request timeout, 30 s by default); the bool clause limit is the one
 * flowdex's MAX_CONDITIONS stays under. Expensive queries stay allowed: `host:*.example.com`
 * needs wildcard queries, and flowdex bounds their patterns before they are sent.
 */
export const NODE_GUARDS: readonly string[] = [
  'search_backpressure.mode: enforced',
  'search.cancel_after_time_interval: 60s',
  'indices.query.bool.max_clause_count: 1024',
  'search.allow_expensive_queries: true',
];

/** The `opensearch.yml` of node `i`: one node alone, or one of `cfg.nodes` that find each other. */
export function yamlConfig(cfg: LocalNodeConfig, p: { data: string; logs: string }, i = 0): string {
  const all = indicesOf(cfg);
  const discovery =
    cfg.nodes > 1
      ? [
          `discovery.seed_hosts: [${all.map((k) => `"127.0.0.1:${portOf(cfg, k) + 100}"`).join(', ')}]`,
          // Read only when the cluster first forms; a node that restarts rejoins by its stored state.
          `cluster.initial_cluster_manager_nodes: [${all.map((k) => `"${nameOf(cfg, k)}"`).join(', ')}]`,
        ]
      : ['discovery.type: single-node'];
  return [
    `cluster.name: ${clusterName(cfg)}`,
    `node.name: ${nameOf(cfg, i)}`,
    ...discovery,
    'network.host: 127.0.0.1',
    `http.port: ${portOf(cfg, i)}`,
    `transport.port: ${portOf(cfg, i) + 100}`,
    `path.data: ${p.data}`,
    `path.logs: ${p.logs}`,
    // A laptop or CI disk at 90 % must not turn indices read-only mid-test.
    'cluster.routing.allocation.disk.threshold_enabled: false',
    ...NODE_GUARDS,
    '',
  ].join('\n');
}

/** Writes the node's own config dir (copied from the distribution) so installs stay pristine and shareable. */
async function prepareNodeDir(cfg: LocalNodeConfig, i: number): Promise<void> {
  const p = paths(cfg, i);
  await fs.mkdir(p.data, { recursive: true });
  await fs.mkdir(p.logs, { recursive: true });
  if (!existsSync(p.config)) await fs.cp(path.join(p.install, 'config'), p.config, { recursive: true });
  await fs.writeFile(path.join(p.config, 'opensearch.yml'), yamlConfig(cfg, p, i));
}

async function httpGetJson(url: string, timeoutMs = 2000): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return res.json();
}

interface RootInfo {
  version?: { number?: string; distribution?: string };
}

/** What answers on the port: an OpenSearch node (its version), something else, or nothing. */
async function probe(
  url: string,
): Promise<{ kind: 'opensearch'; version: string } | { kind: 'other' } | { kind: 'none' }> {
  try {
    const body = (await httpGetJson(url)) as RootInfo;
    if (body.version?.distribution === 'opensearch' && body.version.number)
      return { kind: 'opensearch', version: body.version.number };
    return { kind: 'other' };
  } catch {
    return (await portOpen(new URL(url).port)) ? { kind: 'other' } : { kind: 'none' };
  }
}

function portOpen(port: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: Number(port) });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await fs.readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tail(file: string, lines: number): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Launched = { i: number; logFile: string };

/** Launches node `i` as a daemon; resolves once `bin/opensearch -d` has forked it. */
async function launch(
  cfg: LocalNodeConfig,
  i: number,
  java: { home: string; major: number },
  log: Logger,
): Promise<Launched> {
  const p = paths(cfg, i);
  await prepareNodeDir(cfg, i);
  // Only this node's files: a recursive chown of the whole home races with other nodes
  // running from it (segment files vanish mid-walk and chown fails).
  if (isRoot()) await run('chown', ['-R', `${cfg.user}:`, p.node]);
  await fs.rm(p.pidFile, { force: true });
  const env = {
    OPENSEARCH_JAVA_HOME: java.home,
    OPENSEARCH_PATH_CONF: p.config,
    OPENSEARCH_JAVA_OPTS: `-Xms${cfg.heap} -Xmx${cfg.heap}`,
  };
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const bin = path.join(p.install, 'bin', 'opensearch');
  const args = ['-d', '-p', p.pidFile];
  const [cmd, cmdArgs] = isRoot()
    ? ['runuser', ['-u', cfg.user, '--', 'env', ...envArgs, bin, ...args]]
    : ['env', [...envArgs, bin, ...args]];
  log(`starting OpenSearch ${cfg.version} on ${urlOf(cfg, i)} (Java ${java.major}, heap ${cfg.heap})`);
  const out = await fs.open(p.stdoutLog, 'w');
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', out.fd, out.fd], detached: true, cwd: p.node });
  const exitCode: number | null = await new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await out.close();
  if (exitCode !== 0) {
    throw new FlowdexError(
      'NODE_START_FAILED',
      `OpenSearch ${cfg.version} failed to start on ${urlOf(cfg, i)} (exit ${exitCode}); last log lines:\n${await tail(p.stdoutLog, 30)}`,
    );
  }
  return { i, logFile: path.join(p.logs, `${clusterName(cfg)}.log`) };
}

interface Health {
  status?: string;
  number_of_nodes?: number;
}

/** The cluster's health as the first node that answers sees it. */
async function anyHealth(cfg: LocalNodeConfig): Promise<Health | undefined> {
  for (const i of indicesOf(cfg)) {
    const h = (await httpGetJson(`${urlOf(cfg, i)}/_cluster/health`).catch(() => undefined)) as Health | undefined;
    if (h?.status) return h;
  }
  return undefined;
}

/**
 * Starts the local node, or each of the cluster's `cfg.nodes` nodes that is not answering yet
 * (so a node that died is restarted the same way), and waits until all of them have joined
 * and the cluster is yellow or green. Nodes already running are reused.
 */
export async function startNode(
  cfg: LocalNodeConfig,
  log: Logger = () => {},
  // A loaded 2-core box takes minutes to bring up several JVMs at once.
  timeoutMs = 120_000 + 60_000 * cfg.nodes,
): Promise<StartResult> {
  const t0 = Date.now();
  const all = indicesOf(cfg);
  const probes = await Promise.all(all.map((i) => probe(urlOf(cfg, i))));
  const busy = all.find((i) => probes[i]?.kind === 'other');
  if (busy !== undefined) {
    throw new FlowdexError(
      'NODE_PORT_IN_USE',
      `port ${portOf(cfg, busy)} on 127.0.0.1 is used by something that is not OpenSearch; free it or pick another with --port / FLOWDEX_OPENSEARCH_PORT`,
    );
  }
  const missing = all.filter((i) => probes[i]?.kind === 'none');
  let launched: Launched[] = [];
  if (missing.length > 0) {
    const java = await findJava(cfg.version);
    const zip = await fetchDistribution(cfg, log);
    await unpack(cfg, zip, log);
    if (isRoot()) {
      await ensureUser(cfg.user);
      await run('chown', [`${cfg.user}:`, cfg.home]);
      await run('chown', ['-R', `${cfg.user}:`, paths(cfg).install]);
      if (cfg.nodes > 1) await run('chown', [`${cfg.user}:`, path.dirname(paths(cfg).node)]).catch(() => {});
    }
    launched = await Promise.all(missing.map((i) => launch(cfg, i, java, log)));
  }
  const want = all.length;
  while (Date.now() - t0 < timeoutMs) {
    for (const l of launched) {
      const pid = await readPid(paths(cfg, l.i).pidFile);
      if (pid !== undefined && !alive(pid)) {
        throw new FlowdexError(
          'NODE_START_FAILED',
          `OpenSearch ${cfg.version} on ${urlOf(cfg, l.i)} died during start-up; last log lines of ${l.logFile}:\n${await tail(l.logFile, 30)}`,
        );
      }
    }
    const h = await anyHealth(cfg);
    if ((h?.status === 'green' || h?.status === 'yellow') && (h.number_of_nodes ?? 0) >= want) {
      const s = await nodeStatus(cfg);
      return {
        ...s,
        running: true,
        version: s.version ?? cfg.version,
        health: h.status,
        started: launched.length > 0,
        startupMs: Date.now() - t0,
      };
    }
    await sleep(500);
  }
  const logFile = launched[0]?.logFile ?? path.join(paths(cfg).logs, `${clusterName(cfg)}.log`);
  throw new FlowdexError(
    'NODE_START_FAILED',
    `OpenSearch ${cfg.version} did not become healthy with ${want} node(s) within ${timeoutMs / 1000}s; last log lines of ${logFile}:\n${await tail(logFile, 30)}`,
  );
}

async function memberStatus(cfg: LocalNodeConfig, i: number): Promise<MemberStatus & { version?: string }> {
  const url = urlOf(cfg, i);
  const [pid, info] = await Promise.all([readPid(paths(cfg, i).pidFile), probe(url)]);
  return {
    name: nameOf(cfg, i),
    url,
    running: info.kind === 'opensearch',
    ...(pid !== undefined && alive(pid) ? { pid } : {}),
    ...(info.kind === 'opensearch' ? { version: info.version } : {}),
  };
}

export async function nodeStatus(cfg: LocalNodeConfig): Promise<NodeStatus> {
  const all = await Promise.all(indicesOf(cfg).map((i) => memberStatus(cfg, i)));
  const members = all.map(({ version: _v, ...m }) => m);
  const first = all[0];
  const up = all.find((m) => m.running);
  const pid = first?.pid ?? (await readPid(paths(cfg).pidFile));
  return {
    url: urlOf(cfg, 0),
    running: up !== undefined,
    ...(up?.version ? { version: up.version } : {}),
    ...(up ? { health: (await anyHealth(cfg))?.status } : {}),
    pid,
    managed: all.some((m) => m.pid !== undefined),
    members,
  };
}

/** Stops the node(s) flowdex started (by pid) and waits until each process is gone. */
export async function stopNode(
  cfg: LocalNodeConfig,
  timeoutMs = 60_000,
): Promise<{ stopped: boolean; pid?: number; pids: number[] }> {
  const stopped = await Promise.all(
    indicesOf(cfg).map(async (i) => {
      const p = paths(cfg, i);
      const pid = await readPid(p.pidFile);
      if (pid === undefined || !alive(pid)) {
        await fs.rm(p.pidFile, { force: true });
        return undefined;
      }
      process.kill(pid, 'SIGTERM');
      const t0 = Date.now();
      while (alive(pid)) {
        if (Date.now() - t0 > timeoutMs) process.kill(pid, 'SIGKILL');
        await sleep(200);
      }
      await fs.rm(p.pidFile, { force: true });
      return pid;
    }),
  );
  const pids = stopped.filter((p): p is number => p !== undefined);
  return { stopped: pids.length > 0, ...(pids[0] !== undefined ? { pid: pids[0] } : {}), pids };
}
