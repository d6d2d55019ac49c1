// Requests Node's HTTP parser rejects before any route sees them (a body cut short of its
// Content-Length, bytes after the body that are no request, oversized headers) get a
// problem+json answer instead of Node's bare "400 Bad Request", and the connection closes.
import type { Duplex } from 'node:stream';
import { problemJson, type Problem } from '../rest/problem.js';
import { endWithResponse } from './rawResponse.js';

interface ParserError extends Error {
  code?: string;
}

function answer(error: ParserError): Problem {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'The request headers are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', detail: 'The request did not arrive in time.' };
    case 'HPE_INVALID_EOF_STATE':
      return { status: 400, code: 'INCOMPLETE_BODY', detail: 'The connection ended before the request body reached its Content-Length.' };
    default:
      return { status: 400, code: 'MALFORMED_REQUEST', detail: `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}: ${error.message}).` };
  }
}

/** The server's 'clientError' listener. */
export function onClientError(error: ParserError, socket: Duplex): void {
  // Node's own rule: answer only if nothing of a response was written on this socket yet.
  const pending = (socket as Duplex & { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const problem = answer(error);
  endWithResponse(socket, problem.status, 'application/problem+json; charset=utf-8', problemJson(problem));
}
