// A live show's WebSocket (docs/LIVE.md) as the web app speaks it.
//
// The page cannot read its session token (the cookie is HttpOnly), so `hello` carries the
// session's CSRF token and the server takes the token from the cookie the upgrade carried.
// A dropped connection is reopened by itself with `resume`, so a network blip costs nothing:
// the missed events arrive in order and nobody sees the user leave. The server's clock is
// estimated from `ping`s (the lowest-delay sample of the last few), for synced playback.

import { session } from './api.js';

/** Close codes after which reconnecting is pointless (docs/LIVE.md). */
const FINAL = new Map([
  [1000, 'You left the show.'],
  [4001, 'Your session has ended: sign in again to rejoin.'],
  [4004, 'This show is not live, or you may not see it.'],
  [4010, 'The show has ended.'],
  [4011, 'A moderator removed you from the show.'],
  [4012, 'You are banned from this show.'],
  [4013, 'You joined this show from another window or device.'],
]);
/** The events that end the connection of the user they name, with its close code. */
const REMOVALS = { removed: 4011, banned: 4012 };
const PING_EVERY_MS = 10000;
const CLOCK_SAMPLES = 8;

export class LiveConnection {
  /**
   * handlers: welcome(d), resumed(d), event(op, d, ts), status(text, live), closed(code, message)
   */
  constructor(showId, handlers) {
    this.showId = showId;
    this.handlers = handlers;
    this.socket = null;
    this.session = null; // for resume
    this.seq = 0; // the last reliable event seen
    this.pending = new Map(); // ref -> {resolve, reject}
    this.nextRef = 1;
    this.samples = []; // {delay, offset}
    this.offset = 0; // server clock minus ours, ms
    this.closedFor = null;
    this.retryMs = 250;
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/v1/shows/${encodeURIComponent(this.showId)}/live`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      const d = { v: 1, csrf: session.csrf };
      if (this.session) d.resume = { session: this.session, seq: this.seq };
      socket.send(JSON.stringify({ op: 'hello', d }));
    });
    socket.addEventListener('message', (m) => this.receive(m.data));
    socket.addEventListener('close', (e) => this.lost(socket, e.code));
  }

  /** The server's clock now, in Unix ms. */
  serverNow() {
    return Date.now() + this.offset;
  }

  /** Sends an op; the promise settles with the server's reply (an Error in words if refused). */
  send(op, d = {}) {
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
        reject(new Error('Not connected to the show right now; try again in a moment.'));
        return;
      }
      const ref = String(this.nextRef++);
      this.pending.set(ref, { resolve, reject });
      this.socket.send(JSON.stringify({ op, d, ref }));
    });
  }

  /** Leaves for good (the page was left). */
  close() {
    this.closedFor = 1000;
    clearInterval(this.pinger);
    clearTimeout(this.retry);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) {
      try { this.socket.send(JSON.stringify({ op: 'leave', d: {} })); } catch { /* gone already */ }
      this.socket.close(1000);
    }
  }

  receive(text) {
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    const { op, d } = frame;
    if (op === 'reply') {
      const waiting = this.pending.get(frame.ref);
      if (!waiting) return;
      this.pending.delete(frame.ref);
      if (frame.ok) waiting.resolve(d || {});
      else {
        const error = new Error(frame.error ? frame.error.message : 'The show refused that.');
        error.code = frame.error && frame.error.code;
        waiting.reject(error);
      }
      return;
    }
    if (op === 'pong') return this.sample(d);
    if (op === 'welcome' || op === 'resumed') {
      this.session = d.session;
      // A welcome is the state as of its seq; after `resumed` the missed events follow, from ours.
      if (op === 'welcome') this.seq = d.seq;
      this.retryMs = 250;
      if (op === 'welcome') this.offset = d.server_time - Date.now();
      this.startPinging();
      this.handlers.status(op === 'welcome' ? 'Connected' : 'Reconnected', true);
      this.handlers[op](d);
      return;
    }
    if (frame.seq !== undefined) {
      if (frame.seq <= this.seq) return; // seen before a resume
      this.seq = frame.seq;
    }
    this.handlers.event(op, d, frame.ts);
    // Removed or banned: final as soon as the event says so. The close (4011, 4012) follows
    // it, but a connection that drops before its close frame arrives must not come back.
    const code = REMOVALS[op];
    if (code && d && session.user && d.user === session.user.id) this.end(code);
  }

  /** The connection is over for good, with `code` (one of FINAL's). */
  end(code) {
    if (this.closedFor !== null) return;
    this.closedFor = code;
    clearInterval(this.pinger);
    clearTimeout(this.retry);
    this.handlers.closed(code, FINAL.get(code));
  }

  startPinging() {
    clearInterval(this.pinger);
    const ping = () => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      this.socket.send(JSON.stringify({ op: 'ping', d: { t0: Date.now() } }));
    };
    ping();
    setTimeout(ping, 300);
    setTimeout(ping, 900);
    this.pinger = setInterval(ping, PING_EVERY_MS);
  }

  sample({ t0, t1, t2 }) {
    const t3 = Date.now();
    this.samples.push({ delay: (t3 - t0) - (t2 - t1), offset: ((t1 - t0) + (t2 - t3)) / 2 });
    if (this.samples.length > CLOCK_SAMPLES) this.samples.shift();
    this.offset = this.samples.reduce((best, s) => (s.delay < best.delay ? s : best)).offset;
  }

  lost(socket, code) {
    if (socket !== this.socket) return;
    clearInterval(this.pinger);
    for (const { reject } of this.pending.values()) reject(new Error('The connection dropped before the show answered; try again.'));
    this.pending.clear();
    if (this.closedFor !== null) return;
    if (FINAL.has(code)) {
      this.end(code);
      return;
    }
    // 1006 (network), 1012 (restart), 4003, 4008, 4009: come back and resume.
    this.handlers.status('Reconnecting…', false);
    this.retry = setTimeout(() => this.open(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }
}
