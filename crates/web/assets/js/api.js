// The JSON API, through the browser session: the HttpOnly cookie travels by itself; the CSRF
// token (given at sign-in and by GET /v1/web/session) goes with every change.

export const session = { user: null, csrf: null };

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    if (res.status === 401 && session.user && path !== '/v1/web/session') {
      session.user = null;
      window.dispatchEvent(new Event('medley:signed-out'));
    }
    const detail = data && (data.detail || (data.error && data.error.message));
    throw new ApiError(res.status, detail || `The server answered ${res.status} ${res.statusText}.`);
  }
  return data;
}

export const get = (path) => api('GET', path);

/** Learns whether this browser is signed in (after a reload). */
export async function restore() {
  try {
    const s = await api('GET', '/v1/web/session');
    session.user = s.user;
    session.csrf = s.csrf_token;
  } catch (e) {
    if (e.status !== 401) throw e;
    session.user = null;
    session.csrf = null;
  }
}

export async function signIn(username, password) {
  const s = await api('POST', '/v1/web/session', { username, password });
  session.user = s.user;
  session.csrf = s.csrf_token;
}

export async function signOut() {
  await api('DELETE', '/v1/web/session');
  session.user = null;
  session.csrf = null;
}

export const q = encodeURIComponent;
