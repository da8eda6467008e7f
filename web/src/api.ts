/**
 * The dashboard's only way to the service: the public HTTP API (docs/api.md), same origin, with
 * the session cookie. Every error is the API's problem document, kept whole so pages can show
 * its detail and name the field; a 401 sends the user to sign-in (what they typed stays in the
 * page they come back to, which keeps its own state).
 */

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: readonly { readonly code: string; readonly field?: string; readonly message: string }[];
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.problem = problem;
  }
}

/** Called on every 401 (the session ended): the app shows sign-in. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

async function problemOf(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as Partial<Problem>;
    return { status: response.status, code: body.code ?? 'error', detail: body.detail ?? response.statusText, errors: body.errors ?? [] };
  } catch {
    return { status: response.status, code: 'error', detail: `${response.status} ${response.statusText}`, errors: [] };
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (response.status === 401 && !path.startsWith('/session')) onSignedOut();
  if (!response.ok) throw new ApiError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

export interface Me {
  readonly kind: 'user';
  readonly email: string;
  readonly operator: boolean;
  readonly organizations: { readonly slug: string; readonly name: string; readonly role: string | null; readonly permissions: readonly string[] }[];
}

export interface DomainLine {
  readonly domain: string;
  readonly verified: boolean;
  readonly checkError: string | null;
  readonly verification: { readonly txtName: string; readonly txtValue: string; readonly ruaAddresses: readonly string[] };
  readonly overview: {
    readonly phase: string;
    readonly policy: { readonly p: string | null; readonly pct: number | null; readonly testing: string | null } | null;
    readonly messages30d: number;
    readonly passRate30d: number | null;
    readonly lastReportDay: string | null;
    readonly findings: { readonly errors: number; readonly warnings: number } | null;
  } | null;
}

export interface DayVolume {
  readonly day: string;
  readonly messages: number;
  readonly both: number;
  readonly dkimOnly: number;
  readonly spfOnly: number;
  readonly neither: number;
}

export interface Sender {
  readonly key: string;
  readonly label: string;
  readonly class: string;
  readonly state: string;
  readonly decision: string | null;
  readonly messages: number;
  readonly dmarcPass: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly sourceIps: readonly string[];
  readonly fix: readonly { readonly code: string; readonly message: string }[];
}
