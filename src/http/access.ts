// Who may talk to the server from a browser, shared by HTTP and WebSocket upgrades.
//
// Host: a page on evil.example whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) sends
// `Host: evil.example:4000`. A server bound to loopback therefore answers only loopback names
// unless ALLOWED_HOSTS says otherwise.
// Origin: browsers send it on cross-origin requests, on every POST and on WebSocket upgrades.
// A request without one is not from a browser page (curl, servers) and is allowed; a page's
// own origin (same host as the request) is allowed; so are loopback origins and CORS_ORIGINS.
import { isLoopbackHost, type HttpAccess } from '../config.js';

/** The host name of a Host header value, lower-cased and without the port ("[::1]" keeps its brackets). */
export function hostName(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

export function isAllowedHost(hostHeader: string | undefined, access: HttpAccess): boolean {
  if (access.allowedHosts === null) return true;
  if (!hostHeader) return false;
  return access.allowedHosts.includes(hostName(hostHeader));
}

/**
 * Whether a browser page of `origin` may use this server. `hostHeader` is the request's own
 * Host, so a page the server itself serves (same origin) is always allowed.
 */
export function isAllowedOrigin(origin: string | undefined, hostHeader: string | undefined, access: HttpAccess): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (hostHeader !== undefined && url.host === hostHeader.trim().toLowerCase()) return true;
  if (isLoopbackHost(url.hostname)) return true;
  return access.corsOrigins.includes(url.origin);
}
