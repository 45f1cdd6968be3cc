import type { Application } from 'express';
import { schemasOf, type Schemas } from '../middleware/validate';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface LiveRoute {
  method: HttpMethod;
  /** OpenAPI form: `/v1/sessions/{sessionId}`. */
  path: string;
  /** What the `route()` handler validates with; undefined when the handler validates nothing itself. */
  schemas: Schemas | undefined;
}

/**
 * The parts of express 5's router (the `router` 2.x package) this walk reads. `stack`,
 * `layer.route` and `layer.rawPath` are what `Router#listRoutes` reads too; the handler layers
 * (`route.stack`) are needed on top of it to find the schemas each `route()` call recorded.
 */
interface Layer {
  rawPath?: unknown;
  handle: unknown;
  route?: { path: unknown; methods: Record<string, boolean>; stack: { handle: unknown }[] };
}

const METHODS = new Set<string>(['get', 'post', 'put', 'patch', 'delete']);

/** `/sessions/:sessionId/qr.png` → `/sessions/{sessionId}/qr.png`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_$][\w$]*)/g, '{$1}');
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function walk(stack: Layer[], prefix: string, out: LiveRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = layer.route.path;
      if (typeof path !== 'string') throw new Error(`Route path ${String(path)} cannot be documented`);
      const schemas = layer.route.stack.map((l) => schemasOf(l.handle)).find((s) => s !== undefined);
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (!on) continue;
        if (!METHODS.has(method)) throw new Error(`Method ${method} on ${path} cannot be documented`);
        out.push({ method: method as HttpMethod, path: toOpenApiPath(join(prefix, path)), schemas });
      }
      continue;
    }
    const sub = (layer.handle as { stack?: unknown }).stack;
    if (!Array.isArray(sub)) continue; // plain middleware (parsers, static files): no routes
    if (typeof layer.rawPath !== 'string') throw new Error('Mount paths must be strings');
    walk(sub as Layer[], join(prefix, layer.rawPath), out);
  }
}

/** Every route the app serves, mounted routers included, in registration order. */
export function liveRoutes(app: Application): LiveRoute[] {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  const out: LiveRoute[] = [];
  walk(router.stack, '', out);
  return out;
}
