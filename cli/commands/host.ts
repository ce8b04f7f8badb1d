import type { Command } from 'commander';
import { hostReport, type HostReport, type HostRequest } from '../../src/report/host';
import type { ReportResult } from '../../src/report/run-report';
import { action, configOf, connectLogged, log, writeOut } from '../common';
import { formatTable, printQueryError } from '../format';
import { reportFilter, reportFilterOptions, type ReportFilterOptions } from '../report-options';

interface HostOptions extends ReportFilterOptions {
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
  reportFilterOptions(
    program
      .command('host <address>')
      .description('one host (IP or device name): traffic, peers and services, as the host page shows them'),
    {
      top: 'rows of each peer and service table',
      interval: 'bucket width of the traffic series (default: by the range, as on the page)',
      by: 'rank peers and services by bytes, flows or packets',
    },
  )
    .option('--json', 'print the report as /api/host/<address> returns it')
    .action(
      action(async (address: string, o: HostOptions, cmd: Command) => {
        const cfg = configOf(cmd);
        const req: HostRequest = { address, ...reportFilter(o) };
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
