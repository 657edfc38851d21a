/** Reads the OpenAPI document into rows for the human-readable API page. */

interface OpenApiDoc {
  paths?: Record<string, Record<string, { summary?: string; description?: string; security?: unknown[]; tags?: string[] }>>;
}

export interface EndpointRow {
  method: string;
  path: string;
  summary: string;
  authenticated: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every documented operation, sorted by path then method. */
export function listEndpoints(doc: OpenApiDoc): EndpointRow[] {
  const rows: EndpointRow[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = ops[method];
      if (!op) continue;
      rows.push({
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? op.description ?? '',
        authenticated: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return rows.sort((a, b) => a.path.localeCompare(b.path) || METHODS.indexOf(a.method.toLowerCase()) - METHODS.indexOf(b.method.toLowerCase()));
}
