/**
 * Requests to the panel API of the lab's server (`<base_url>tinytorch/api/`), with the
 * lab's own token and xsrf cookie. A failed request throws an `Error` whose message is
 * the server's: one line saying what was wrong and what to do next.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { Course, Feedback, ValidationReport } from './state';

/** `POST modules/<id>/fetch`. */
export interface Fetched {
  status: 'created' | 'kept';
  notebook: string;
}

export interface Exported {
  path: string;
  exported_at: string;
}

export interface Receipt {
  module: string;
  timestamp: string;
}


/** A slice of a milestone run's output, from `offset` on. */
export interface RunOutput {
  output: string;
  offset: number;
  done: boolean;
  passed: boolean | null;
}

async function messageOf(response: Response, what: string): Promise<string> {
  const fallback =
    `The lab's server answered ${response.status} ${response.statusText} to ${what}: ` +
    'reload the page and try again.';
  try {
    const body = await response.json();
    return typeof body?.message === 'string' && body.message ? body.message : fallback;
  } catch {
    return fallback;
  }
}

/** A JSON request to the panel API; `path` is relative to `tinytorch/api/`. */
export async function request<T>(
  path: string,
  method: 'GET' | 'POST' = 'GET',
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'tinytorch/api', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, { method }, settings);
  } catch (error) {
    throw new Error(
      `The lab's server does not answer (${(error as Error).message}): ` +
        'check that your server is running and reload the page.'
    );
  }
  if (!response.ok) {
    throw new Error(await messageOf(response, `${method} tinytorch/api/${path}`));
  }
  return (await response.json()) as T;
}

const modulePath = (id: string, action: string) => `modules/${encodeURIComponent(id)}/${action}`;
const milestonePath = (name: string) => `milestones/${encodeURIComponent(name)}/run`;

export const getCourse = () => request<Course>('course');
export const fetchModule = (id: string) => request<Fetched>(modulePath(id, 'fetch'), 'POST');
export const testModule = (id: string) => request<ValidationReport>(modulePath(id, 'test'), 'POST');
export const exportModule = (id: string) => request<Exported>(modulePath(id, 'export'), 'POST');
export const submitModule = (id: string) => request<Receipt>(modulePath(id, 'submit'), 'POST');
export const fetchFeedback = (id: string) =>
  request<Feedback>(modulePath(id, 'feedback'), 'POST');
export const startMilestone = (name: string) =>
  request<{ run: string }>(milestonePath(name), 'POST');
export const milestoneOutput = (name: string, since: number) =>
  request<RunOutput>(`${milestonePath(name)}?since=${since}`);
