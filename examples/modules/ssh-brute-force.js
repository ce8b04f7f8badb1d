// A flowdex detector module: many SSH connections from one source to one server.
// Put this directory in FLOWDEX_MODULES; `flowdex alerts detectors` lists it beside the built-ins,
// and `flowdex alerts add guard --detector ssh-brute-force --param flows=50` watches with it.
// TypeScript modules work the same once compiled to .js (`import type { Detector } from 'flowdex/...'`).

/** @type {import('../../src/alerts/types').Detector} */
exports.detector = {
  name: 'ssh-brute-force',
  description: 'one source opening many SSH connections to one server in the window',
  schedule: '5m',
  defaults: { flows: 100 },
  groups: [],
  async evaluate(ctx) {
    // Reports run with the monitor's query ANDed to this one, over the window, through the
    // same execution as `flowdex report` (rollups where they cover the request).
    const res = await ctx.report({ report: 'top-pairs', by: 'flows', top: 100, query: 'dport:22 proto:tcp' });
    return res.rows
      .filter((r) => Number(r.flows) >= ctx.params.flows)
      .map((r) => ({
        key: { source: r.source, destination: r.destination },
        value: Number(r.flows),
        threshold: ctx.params.flows,
        severity: 'medium',
        message: `${r.source} opened ${r.flows} SSH connections to ${r.destination}`,
      }));
  },
};
