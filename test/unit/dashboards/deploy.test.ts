import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** The deployment files read as Docker would read them, checked against package.json. */
const root = path.join(__dirname, '../../..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  ports?: string[];
}

const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const svc = (name: string): Service => {
  const s = services[name];
  if (s === undefined) throw new Error(`no service ${name}`);
  return s;
};

describe('docker-compose.yml', () => {
  test('runs OpenSearch and Dashboards of the same 3.x version', () => {
    expect(svc('opensearch').image).toBe('opensearchproject/opensearch:3.5.0');
    expect(svc('opensearch-dashboards').image).toBe('opensearchproject/opensearch-dashboards:3.5.0');
    expect(svc('opensearch-dashboards').environment?.OPENSEARCH_HOSTS).toContain('https://opensearch:9200');
  });

  test('long-running services have health checks; the nodes keep data in declared volumes', () => {
    for (const name of ['opensearch', 'opensearch-node2', 'opensearch-node3', 'opensearch-dashboards', 'flowdex']) {
      expect(svc(name).healthcheck?.test.length).toBeGreaterThan(1);
    }
    for (const name of ['opensearch', 'opensearch-node2', 'opensearch-node3']) {
      const [volume, target] = (svc(name).volumes?.[0] ?? '').split(':');
      expect(target).toBe('/usr/share/opensearch/data');
      expect(compose.volumes).toHaveProperty(volume ?? '');
      expect(svc(name).environment?.OPENSEARCH_JAVA_OPTS).toMatch(/-Xms\S+ -Xmx\S+/);
    }
  });

  test('the admin password comes from the env file, never the compose file', () => {
    const example = read('.env.example');
    expect(example).toMatch(/^OPENSEARCH_INITIAL_ADMIN_PASSWORD=\S+$/m);
    for (const name of ['opensearch', 'opensearch-dashboards'])
      expect(svc(name).environment?.OPENSEARCH_INITIAL_ADMIN_PASSWORD).toMatch(
        /^\$\{OPENSEARCH_INITIAL_ADMIN_PASSWORD:\?/,
      );
    expect(svc('flowdex').environment?.OPENSEARCH_PASSWORD).toMatch(/^\$\{OPENSEARCH_INITIAL_ADMIN_PASSWORD:\?/);
    // Every variable the compose file interpolates is documented in .env.example.
    const used = new Set([...read('docker-compose.yml').matchAll(/(?<!\$)\$\{([A-Z_]+)/g)].map((m) => m[1]));
    expect(used).toContain('FLOWDEX_REPLICAS');
    for (const v of used)
      expect({ v, documented: new RegExp(`^${v}=`, 'm').test(example) }).toEqual({ v, documented: true });
  });

  test('every flowdex service installs templates with the same shards and replicas', () => {
    // `flowdex serve` runs setup too: one without the settings would reset the cluster's templates.
    for (const name of ['flowdex', 'flowdex-setup'])
      expect({
        name,
        FLOWDEX_SHARDS: svc(name).environment?.FLOWDEX_SHARDS,
        FLOWDEX_REPLICAS: svc(name).environment?.FLOWDEX_REPLICAS,
      }).toEqual({
        name,
        FLOWDEX_SHARDS: '${FLOWDEX_SHARDS:-1}',
        FLOWDEX_REPLICAS: '${FLOWDEX_REPLICAS:-0}',
      });
    // The cluster profile's nodes join the node every flowdex service talks to.
    for (const name of ['opensearch-node2', 'opensearch-node3']) {
      expect(svc(name).profiles).toEqual(['cluster']);
      expect(svc(name).environment?.['discovery.seed_hosts']).toBe('opensearch');
      expect(svc(name).environment?.['cluster.name']).toBe(svc('opensearch').environment?.['cluster.name']);
    }
  });

  test('flowdex serves on all interfaces with auth from the environment', () => {
    const flowdex = svc('flowdex');
    expect(flowdex.build).toBe('.');
    expect(flowdex.command?.join(' ')).toMatch(/^flowdex serve --host 0\.0\.0\.0/);
    expect(flowdex.environment?.FLOWDEX_AUTH).toMatch(/^\$\{FLOWDEX_AUTH/);
    expect(flowdex.environment?.OPENSEARCH_URL).toBe('https://opensearch:9200');
    expect(flowdex.depends_on?.opensearch?.condition).toBe('service_healthy');
  });

  test('the one-shot setup runs setup and the Dashboards import once both are healthy', () => {
    const setup = svc('flowdex-setup');
    expect(setup.command?.join(' ')).toMatch(/flowdex setup && flowdex dashboards import/);
    expect(setup.depends_on).toEqual({
      opensearch: { condition: 'service_healthy' },
      'opensearch-dashboards': { condition: 'service_healthy' },
    });
    expect(setup.environment?.FLOWDEX_DASHBOARDS_URL).toBe('http://opensearch-dashboards:5601');
    expect(Object.keys(setup.environment ?? {})).toEqual(
      expect.arrayContaining(['FLOWDEX_SHARDS', 'FLOWDEX_REPLICAS', 'OPENSEARCH_PASSWORD']),
    );
  });

  test('profile "cluster" adds two nodes that join the first', () => {
    const inCluster = Object.entries(services)
      .filter(([, s]) => s.profiles?.includes('cluster'))
      .map(([n]) => n);
    expect(inCluster.sort()).toEqual(['opensearch-node2', 'opensearch-node3']);
    expect(svc('opensearch').profiles).toBeUndefined();
    for (const name of ['opensearch', ...inCluster]) {
      const env = svc(name).environment ?? {};
      expect(env['cluster.name']).toBe('flowdex');
      expect(env['node.name']).toBe(name);
      expect(env['discovery.seed_hosts']).toBe('opensearch');
      expect(env['cluster.initial_cluster_manager_nodes']).toBe('opensearch');
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string) => stages.find((s) => new RegExp(`^\\S+ AS ${name}\\b`, 'i').test(s)) ?? '';

  test('the build stage installs everything and runs the package build script', () => {
    expect(pkg.scripts.build).toBeDefined();
    const build = stage('build');
    expect(build).toMatch(/^node:20\S* AS build/);
    expect(build).toMatch(/^RUN npm ci$/m);
    expect(build).toMatch(/^RUN npm run build$/m);
  });

  test('the runtime stage is node:20-slim with production dependencies, dist, views and mappings', () => {
    const runtime = stage('runtime');
    expect(runtime).toMatch(/^node:20-slim AS runtime/);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^COPY views \.\/views$/m);
    expect(runtime).toMatch(/^COPY mappings \.\/mappings$/m);
    // The command on PATH is the package's bin.
    expect(runtime).toContain(`/app/${pkg.bin.flowdex}`);
  });

  test('.dockerignore keeps local builds, dependencies and secrets out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env']));
  });
});
