import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { registerDashboards } from '../../../cli/commands/dashboards';
import { FlowdexError } from '../../../src/errors';
import { importSavedObjects, IMPORT_FILENAME, parseImportResponse } from '../../../src/dashboards/import';
import { exportNdjson } from '../../../src/dashboards/saved-objects';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** A stand-in for Dashboards' `_import` endpoint: records the request, answers as told. */
async function stub(reply: (seen: Seen) => Reply): Promise<{ url: string; requests: Seen[]; server: Server }> {
  const requests: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(seen);
      const r = reply(seen);
      res.writeHead(r.status, { 'content-type': r.contentType });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

/** Parts of a multipart/form-data body: name, filename and content of each. */
function multipart(
  contentType: string | undefined,
  body: Buffer,
): { name?: string; filename?: string; content: string }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  const b = boundary?.[1] ?? boundary?.[2];
  if (b === undefined) throw new Error(`no boundary in ${contentType}`);
  const text = body.toString('utf8');
  const parts = text.split(`--${b}`).slice(1, -1);
  expect(text.trimEnd().endsWith(`--${b}--`)).toBe(true);
  return parts.map((p) => {
    const sep = p.indexOf('\r\n\r\n');
    const head = p.slice(0, sep);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    return {
      name: /name="([^"]*)"/.exec(disposition)?.[1],
      filename: /filename="([^"]*)"/.exec(disposition)?.[1],
      content: p.slice(sep + 4, -2),
    };
  });
}

const SUCCESS = {
  success: true,
  successCount: 2,
  successResults: [
    { type: 'index-pattern', id: 'a', meta: { title: 'flowdex-flows*', icon: 'indexPatternApp' }, overwrite: true },
    { type: 'dashboard', id: 'b', meta: { title: '[flowdex] Network flows' } },
  ],
};

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function started(reply: (seen: Seen) => Reply) {
  const s = await stub(reply);
  servers.push(s.server);
  return s;
}

const json = (status: number, body: unknown): Reply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
});

async function rejection(p: Promise<unknown>): Promise<FlowdexError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FlowdexError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('importSavedObjects', () => {
  test('posts the ndjson as multipart field "file" with the xsrf and basic auth headers', async () => {
    const s = await started(() => json(200, SUCCESS));
    const ndjson = exportNdjson('flowdex-');
    const outcome = await importSavedObjects(ndjson, {
      url: `${s.url}/base/`,
      username: 'admin',
      password: 's3cret:x',
    });

    expect(s.requests).toHaveLength(1);
    const req = s.requests[0] as Seen;
    expect(req.method).toBe('POST');
    const u = new URL(req.url ?? '', s.url);
    expect(u.pathname).toBe('/base/api/saved_objects/_import');
    expect(u.searchParams.get('overwrite')).toBe('true');
    expect(req.headers['osd-xsrf']).toBe('true');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('admin:s3cret:x').toString('base64')}`);
    const parts = multipart(req.headers['content-type'], req.body);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toEqual({ name: 'file', filename: IMPORT_FILENAME, content: ndjson });

    expect(outcome).toEqual({
      imported: [
        { type: 'index-pattern', id: 'a', title: 'flowdex-flows*', overwritten: true },
        { type: 'dashboard', id: 'b', title: '[flowdex] Network flows', overwritten: false },
      ],
      errors: [],
    });
  });

  test('takes credentials from the URL, sends them only as a header', async () => {
    const s = await started(() => json(200, SUCCESS));
    await importSavedObjects('{}\n', { url: s.url.replace('//', '//kib%40ana:p%3Ass@') });
    const req = s.requests[0] as Seen;
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('kib@ana:p:ss').toString('base64')}`);
    expect(req.url).toBe('/api/saved_objects/_import?overwrite=true');
  });

  test('sends no authorization header without credentials', async () => {
    const s = await started(() => json(200, SUCCESS));
    await importSavedObjects('{}\n', { url: s.url });
    expect(s.requests[0]?.headers.authorization).toBeUndefined();
  });

  test('401 is one clear line without the password', async () => {
    const s = await started(() =>
      json(401, { statusCode: 401, error: 'Unauthorized', message: 'Authentication required' }),
    );
    const e = await rejection(
      importSavedObjects('{}\n', { url: s.url, username: 'admin', password: 'hunter2-secret' }),
    );
    expect(e.code).toBe('DASHBOARDS_IMPORT_FAILED');
    expect(e.describe()).toBe(`OpenSearch Dashboards at ${s.url} rejected the credentials (HTTP 401)`);
    expect(JSON.stringify({ m: e.describe(), c: e.context })).not.toContain('hunter2');
  });

  test('401 without credentials says they are needed', async () => {
    const s = await started(() => json(401, { message: 'Unauthorized' }));
    const e = await rejection(importSavedObjects('{}\n', { url: s.url }));
    expect(e.describe()).toMatch(/needs credentials/);
  });

  test('connection refused names the cause and hides URL credentials', async () => {
    const s = await stub(() => json(200, SUCCESS));
    await new Promise((resolve) => s.server.close(resolve));
    const url = s.url.replace('//', '//admin:hunter2-secret@');
    const e = await rejection(importSavedObjects('{}\n', { url }));
    expect(e.code).toBe('DASHBOARDS_IMPORT_FAILED');
    expect(e.describe()).toBe(`cannot reach OpenSearch Dashboards at ${s.url}: connection refused`);
    expect(e.describe()).not.toContain('hunter2');
  });

  test('a non-JSON answer says so', async () => {
    const s = await started(() => ({ status: 200, contentType: 'text/html', body: '<html>login</html>' }));
    const e = await rejection(importSavedObjects('{}\n', { url: s.url }));
    expect(e.describe()).toMatch(/answered HTTP 200 with a non-JSON body \(text\/html\)/);
  });

  test('other HTTP errors carry the Dashboards message', async () => {
    const s = await started(() =>
      json(415, { statusCode: 415, error: 'Unsupported Media Type', message: 'Invalid file extension .txt' }),
    );
    const e = await rejection(importSavedObjects('{}\n', { url: s.url }));
    expect(e.describe()).toBe(
      `OpenSearch Dashboards at ${s.url} refused the import (HTTP 415): Invalid file extension .txt`,
    );
  });
});

describe('parseImportResponse', () => {
  test('reads per-object errors, including missing references', () => {
    expect(
      parseImportResponse({
        success: false,
        successCount: 0,
        errors: [
          {
            id: 'v',
            type: 'visualization',
            title: 'Top services',
            error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'p' }] },
          },
          { id: 'd', type: 'dashboard', meta: { title: 'Net' }, error: { type: 'conflict' } },
        ],
      }),
    ).toEqual({
      imported: [],
      errors: [
        { type: 'visualization', id: 'v', title: 'Top services', reason: 'missing references index-pattern:p' },
        { type: 'dashboard', id: 'd', title: 'Net', reason: 'conflict' },
      ],
    });
  });
});

describe('flowdex dashboards import', () => {
  async function run(args: string[]): Promise<{ stderr: string; exitCode: number | undefined }> {
    const program = new Command()
      .exitOverride()
      .option('--username <user>')
      .option('--password <password>')
      .option('--prefix <prefix>');
    registerDashboards(program);
    let stderr = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const before = process.exitCode;
    try {
      await program.parseAsync(['node', 'flowdex', ...args]);
      return { stderr, exitCode: process.exitCode as number | undefined };
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
  }

  test('imports the prefix given and reports created and updated objects', async () => {
    const s = await started(() => json(200, SUCCESS));
    const r = await run([
      '--prefix',
      'acme-',
      'dashboards',
      'import',
      '--url',
      s.url,
      '--username',
      'u',
      '--password',
      'hunter2-secret',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('updated index-pattern "flowdex-flows*" (a)');
    expect(r.stderr).toContain('imported dashboard "[flowdex] Network flows" (b)');
    expect(r.stderr).not.toContain('hunter2');
    const req = s.requests.at(-1) as Seen;
    expect(multipart(req.headers['content-type'], req.body)[0]?.content).toBe(exportNdjson('acme-'));
  });

  test('fails with one line when an object is rejected', async () => {
    const s = await started(() =>
      json(200, {
        success: false,
        successCount: 0,
        errors: [{ id: 'x', type: 'dashboard', title: 'T', error: { type: 'conflict' } }],
      }),
    );
    const r = await run(['dashboards', 'import', '--url', s.url]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('failed dashboard "T" (x): conflict');
    expect(r.stderr).toContain('flowdex: 1 of 1 saved objects were not imported');
  });
});
