import { endpointName, type Side } from '../model/endpoint';
import type { FlowDoc } from '../model/flow';
import type { Ast } from '../query/ast';
import { allOfAsts, hostTerm, term } from '../query/build';
import { printQuery } from '../query/print';

/** A search one click away, in the flowdex language (built as an AST, printed by the query module). */
export interface Pivot {
  label: string;
  query: string;
}

export function pivotOf(label: string, ast: Ast): Pivot {
  return { label, query: printQuery(ast, { quoteKeywords: true }) };
}

/** The flows of this end's host on the same side: by IP, else by device name. */
function endpoint(side: Side, doc: FlowDoc): Ast | undefined {
  const name = endpointName(doc[side]);
  return name === undefined ? undefined : hostTerm(side, name);
}

/** Searches one click away from a flow: same source, destination, pair, Community ID, service. */
export function pivots(doc: FlowDoc): Pivot[] {
  const src = endpoint('source', doc);
  const dst = endpoint('destination', doc);
  const out: Pivot[] = [];
  if (src) out.push(pivotOf('same source', src));
  if (dst) out.push(pivotOf('same destination', dst));
  if (src && dst) out.push(pivotOf('same pair', allOfAsts(src, dst)));
  if (doc.network.community_id) out.push(pivotOf('same Community ID', term('community_id', doc.network.community_id)));
  if (dst) {
    const service = [dst];
    if (doc.destination.port !== undefined) service.push(term('dport', doc.destination.port));
    if (doc.network.transport) service.push(term('proto', doc.network.transport));
    out.push(pivotOf('same service', allOfAsts(...service)));
  }
  // Enriched fields: the same place, AS and network on either side.
  for (const [side, label, end, net] of [
    ['src', 'source', doc.source, doc.flow.src_net],
    ['dst', 'destination', doc.destination, doc.flow.dst_net],
  ] as const) {
    if (end.geo?.country_iso_code)
      out.push(pivotOf(`same ${label} country`, term(`${side}_country`, end.geo.country_iso_code)));
    if (end.as?.number !== undefined) out.push(pivotOf(`same ${label} AS`, term(`${side}_as`, end.as.number)));
    if (net?.name) out.push(pivotOf(`same ${label} network`, term(`${side}_net`, net.name)));
  }
  return out;
}
