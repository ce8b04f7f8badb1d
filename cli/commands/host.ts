import type { Command } from 'commander';
import { FlowdexError } from '../../src/errors';
import { METRICS, type Metric } from '../../src/query/reports';
import { checkSyntax, withSyntax } from '../../src/query/syntax';
import { hostReport, type HostReport, type HostRequest } from '../../src/report/host';
import type { ReportResult } from '../../src/report/run-report';
import { action, configOf, connectLogged, log, writeOut } from '../common';
import { formatTable, printQueryError, wholeNumber } from '../format';

interface HostOptions {
  query?: string;
  syntax?: string;
  from?: string;
  to?: string;
  top?: string;
  by?: string;
  interval?: string;
  raw?: boolean;
  json?: boolean;
}

function table(title: string, r: ReportResult): string {
  return (
    `\n${title}\n` +
    formatTable(
      r.columns,
      r.rows.map((row) => r.columns.map((c) => row[c])),
    )
  );
}

/** The host page as text: facts, traffic totals, then peers and services. */
function hostText(h: HostReport): string {
  const a = h.about;
  const facts = [
    a.country ? (a.city ? `${a.city}, ${a.country}` : a.country) : undefined,
    a.as_number !== undefined ? `AS${a.as_number}${a.as_organization ? ` ${a.as_organization}` : ''}` : undefined,
    a.network ? `network ${a.network}` : undefined,
  ].filter((f): f is string => f !== undefined);
  const sum = (c: string) => h.traffic.rows.reduce((n, row) => n + (typeof row[c] === 'number' ? row[c] : 0), 0);
  return (
    `${h.address}${facts.length > 0 ? ` (${facts.join(' · ')})` : ''}\n` +
    `traffic: ${sum('flows')} flows, ${sum('bytes')} bytes, ${sum('packets')} packets\n` +
    table('sends to', h.peers.destinations) +
    table('receives from', h.peers.sources) +
    table('services offered', h.services.offered) +
    table('services used', h.services.used)
  );
}

export function registerHost(program: Command): void {
  program
    .command('host <address>')
    .description('one host (IP or device name): traffic, peers and services, as the host page shows them')
    .option('--query <q>', 'filter in the query language or nfdump syntax', '')
    .option('--syntax <syntax>', 'syntax of --query: auto, flowdex or nfdump', 'auto')
    .option('--from <time>', 'range start (default 24 h before --to)')
    .option('--to <time>', 'range end, exclusive (default now)')
    .option('--top <n>', 'rows of each peer and service table', '10')
    .option('--by <metric>', 'rank peers and services by bytes, flows or packets')
    .option('--interval <span>', 'bucket width of the traffic series (default: by the range, as on the page)')
    .option('--raw', 'answer from raw flow indices even when a rollup could')
    .option('--json', 'print the report as /api/host/<address> returns it')
    .action(
      action(async (address: string, o: HostOptions, cmd: Command) => {
        const cfg = configOf(cmd);
        if (o.by !== undefined && !(METRICS as readonly string[]).includes(o.by))
          throw new FlowdexError('BAD_REQUEST', `--by must be one of ${METRICS.join(', ')}, got "${o.by}"`, {
            field: 'by',
          });
        const top = wholeNumber(o.top, 'top');
        const req: HostRequest = {
          address,
          query: withSyntax(o.query ?? '', checkSyntax(o.syntax)),
          ...(o.from !== undefined ? { from: o.from } : {}),
          ...(o.to !== undefined ? { to: o.to } : {}),
          ...(top !== undefined ? { top } : {}),
          ...(o.by !== undefined ? { by: o.by as Metric } : {}),
          ...(o.interval !== undefined ? { interval: o.interval } : {}),
          raw: o.raw === true,
        };
        const { client } = await connectLogged(cfg);
        try {
          const h = await hostReport(client, cfg, req);
          await writeOut(o.json ? JSON.stringify(h) + '\n' : hostText(h));
          const served = new Set(
            [h.traffic, h.peers.destinations, h.peers.sources, h.services.offered, h.services.used].flatMap(
              (r) => r.served_by,
            ),
          );
          log(`host ${h.address}: ${served.size} indices`);
        } catch (e) {
          const code = printQueryError(e, o.query ?? '');
          if (code === undefined) throw e;
          return code;
        } finally {
          await client.close();
        }
      }),
    );
}
