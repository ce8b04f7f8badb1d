/**
 * One error class for the whole project. `code` is stable (scripts and the web map it),
 * the message names the bad input, and `context` carries where it happened.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'OPENSEARCH_UNREACHABLE'
  | 'OPENSEARCH_ERROR'
  | 'OPENSEARCH_BUSY'
  | 'OPENSEARCH_TIMEOUT'
  | 'CANCELLED'
  | 'INTERNAL'
  | 'TOO_MANY_REQUESTS'
  | 'NODE_NO_JAVA'
  | 'NODE_FETCH_FAILED'
  | 'NODE_PORT_IN_USE'
  | 'NODE_START_FAILED'
  | 'NODE_NOT_RUNNING'
  | 'INPUT_NOT_FOUND'
  | 'INPUT_UNKNOWN_FORMAT'
  | 'INPUT_BAD_RECORD'
  | 'INPUT_TRUNCATED'
  | 'MAPPING_INVALID'
  | 'INGEST_FAILED'
  | 'INGEST_REJECTED'
  | 'ROLLUP_INCOMPLETE'
  | 'QUERY_SYNTAX'
  | 'QUERY_UNKNOWN_FIELD'
  | 'QUERY_BAD_VALUE'
  | 'QUERY_BAD_TIME'
  | 'REPORT_UNKNOWN'
  | 'SAVED_NOT_FOUND'
  | 'SAVED_EXISTS'
  | 'MONITOR_NOT_FOUND'
  | 'MONITOR_EXISTS'
  | 'ALERT_NOT_FOUND'
  | 'DETECTOR_UNKNOWN'
  | 'MODULE_INVALID'
  | 'NOTIFY_FAILED'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'AUTH_REQUIRED'
  | 'FORBIDDEN'
  | 'DASHBOARDS_IMPORT_FAILED';

/** Where in an input a problem sits; every field optional because not every source has lines. */
export interface ErrorContext {
  file?: string;
  line?: number;
  offset?: number;
  field?: string;
  position?: number;
  [key: string]: string | number | boolean | undefined;
}

export class FlowdexError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlowdexError';
    this.code = code;
    this.context = context;
  }

  /** "file:line: message" or "file@offset: message" — the one line the CLI prints. */
  describe(): string {
    const { file, line, offset, field } = this.context;
    let where = '';
    if (file !== undefined) {
      where = file;
      if (line !== undefined) where += `:${line}`;
      else if (offset !== undefined) where += `@${offset}`;
      where += ': ';
    }
    const fieldPart = field !== undefined && !this.message.includes(field) ? ` (field ${field})` : '';
    return `${where}${this.message}${fieldPart}`;
  }
}

export function isFlowdexError(e: unknown): e is FlowdexError {
  return e instanceof FlowdexError;
}

/** Exit codes scripts rely on: 1 failure, 2 usage/bad query, 3 partial success (some records rejected). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, PARTIAL: 3 } as const;

export function exitCodeFor(e: unknown): number {
  if (!isFlowdexError(e)) return EXIT.FAILURE;
  if (
    e.code.startsWith('QUERY_') ||
    e.code === 'CONFIG_INVALID' ||
    e.code === 'REPORT_UNKNOWN' ||
    e.code === 'BAD_REQUEST' ||
    e.code === 'DETECTOR_UNKNOWN'
  )
    return EXIT.USAGE;
  if (e.code === 'INGEST_REJECTED' || e.code === 'ROLLUP_INCOMPLETE') return EXIT.PARTIAL;
  return EXIT.FAILURE;
}

export function errorMessage(e: unknown): string {
  if (isFlowdexError(e)) return e.describe();
  if (e instanceof Error) return e.message;
  return String(e);
}
