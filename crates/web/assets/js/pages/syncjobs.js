// Sync jobs: copy what is new in one playlist into another on a schedule. Make one with a
// schedule picker that shows its next runs in your time zone; see each job's runs with their
// counts; pause, resume, run now, delete.

import { api, get } from '../api.js';
import { announce, busy, h, page, problem } from '../dom.js';
import { spotifyPlaylist } from './composite.js';

const DAYS = [['MON', 'Monday'], ['TUE', 'Tuesday'], ['WED', 'Wednesday'], ['THU', 'Thursday'], ['FRI', 'Friday'], ['SAT', 'Saturday'], ['SUN', 'Sunday']];
const here = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A time shown in `zone`, with the zone's name. */
export function inZone(at, zone) {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'full', timeStyle: 'short' }).format(new Date(at));
}

async function ends() {
  const [mine, me, connections] = await Promise.all([
    get('/v1/me/playlists?limit=50'), get('/v1/me'), get('/v1/connections').catch(() => ({ items: [] })),
  ]);
  const label = new Map();
  const writable = new Set();
  for (const p of mine.items) {
    label.set(`medley:playlist:${p.id}`, p.name);
    if ((p.owner.id === me.id || p.collaborative) && !p.composite) writable.add(`medley:playlist:${p.id}`);
  }
  const spotify = connections.items.filter((c) => c.provider === 'spotify');
  for (const c of spotify) {
    const uri = `spotify:user:${c.account.id}:collection`;
    label.set(uri, `Liked Songs on Spotify (${c.account.display_name || c.account.id})`);
    writable.add(uri);
  }
  return { label, writable, spotify: spotify.length > 0 };
}

/** The schedule picker: how often, which day, what time, which zone; the cron it makes. */
function picker(onChange) {
  const often = h('select', { id: 'often' },
    h('option', { value: 'weekly' }, 'Every week'), h('option', { value: 'daily' }, 'Every day'),
    h('option', { value: 'hourly' }, 'Every hour'), h('option', { value: 'custom' }, 'Custom (cron)'));
  const day = h('select', { id: 'day' }, DAYS.map(([v, t]) => h('option', { value: v }, t)));
  const time = h('input', { id: 'time', type: 'time', value: '09:00', required: true });
  const cron = h('input', { id: 'cron', value: '0 9 * * MON', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'cron-help' });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [here()];
  const zone = h('select', { id: 'zone' }, [...new Set(['UTC', here(), ...zones])].map((z) => h('option', { value: z, selected: z === here() }, z)));
  const dayField = h('div', { class: 'field' }, h('label', { for: 'day' }, 'On'), day);
  const timeField = h('div', { class: 'field' }, h('label', { for: 'time' }, 'At'), time);
  const cronField = h('div', { class: 'field', hidden: true }, h('label', { for: 'cron' }, 'Cron schedule'), cron,
    h('small', { id: 'cron-help', class: 'muted' }, 'Five fields: minute hour day-of-month month day-of-week, e.g. 30 7 * * MON-FRI'));
  const value = () => {
    const [hh, mm] = (time.value || '09:00').split(':').map(Number);
    switch (often.value) {
      case 'weekly': return `${mm} ${hh} * * ${day.value}`;
      case 'daily': return `${mm} ${hh} * * *`;
      case 'hourly': return `${mm} * * * *`;
      default: return cron.value.trim();
    }
  };
  const sync = () => {
    dayField.hidden = often.value !== 'weekly';
    timeField.hidden = often.value === 'custom';
    cronField.hidden = often.value !== 'custom';
    if (often.value !== 'custom') cron.value = value();
    onChange();
  };
  for (const el of [often, day, time, zone]) el.addEventListener('change', sync);
  cron.addEventListener('input', onChange);
  const el = h('fieldset', { class: 'card' }, h('legend', {}, 'When'),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'often' }, 'How often'), often), dayField, timeField, cronField,
      h('div', { class: 'field' }, h('label', { for: 'zone' }, 'Time zone'), zone)));
  return { el, value, zone: () => zone.value };
}

function runsTable(runs) {
  if (!runs.length) return h('p', { class: 'muted' }, 'No runs yet.');
  return h('table', {}, h('caption', { class: 'muted' }, 'Latest runs'),
    h('thead', {}, h('tr', {}, ['Started', 'Why', 'Added', 'Skipped', 'Spotify requests', 'Result'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, runs.map((r) => h('tr', {},
      h('td', {}, new Date(r.started_at).toLocaleString()), h('td', {}, r.trigger === 'manual' ? 'run now' : 'scheduled'),
      h('td', {}, String(r.added)), h('td', {}, String(r.skipped)), h('td', {}, String(r.requests)),
      h('td', { class: r.error ? 'error' : '' }, r.error || (r.finished_at ? 'done' : 'running'))))));
}

export async function syncJobs() {
  const { label, writable, spotify } = await ends();
  const name = (uri) => label.get(uri) || (uri.startsWith('spotify:playlist:') ? `Spotify playlist ${uri.split(':').pop()}` : uri);
  const list = h('div', { id: 'jobs' });

  const drawJobs = async () => {
    const { items } = await get('/v1/sync-jobs');
    if (!items.length) { list.replaceChildren(h('p', { class: 'muted' }, 'No sync jobs yet.')); return; }
    const cards = await Promise.all(items.map(async (job) => {
      const runs = await get(`/v1/sync-jobs/${job.id}/runs?limit=5`);
      const act = (text, path, said, method = 'POST', after = async () => {}) => h('button', { type: 'button', class: 'small', 'aria-label': `${text} ${name(job.source)} to ${name(job.target)}`,
        onclick: async (e) => {
          const button = e.currentTarget;
          button.disabled = true;
          button.after(h('span', { class: 'spinner', role: 'img', 'aria-label': 'Working' }));
          try { await api(method, path); announce(said); await after(); } catch (err) { announce(err.message); }
          await drawJobs();
        } }, text);
      // A run is queued work: follow it until it has ended (or a minute has passed).
      const ran = async () => {
        const asked = Date.now();
        const seen = runs.items[0]?.id;
        for (let i = 0; i < 120; i += 1) {
          await new Promise((r) => { setTimeout(r, 500); });
          const latest = (await get(`/v1/sync-jobs/${job.id}/runs?limit=1`)).items[0];
          if (latest && latest.id !== seen && latest.finished_at) {
            announce(latest.error ? `The run failed: ${latest.error}` : `The run copied ${latest.added} songs.`);
            return;
          }
          if (Date.now() - asked > 60000) return;
        }
      };
      const state = job.paused
        ? (job.paused_reason === 'spotify_reconnect' ? 'waiting: connect the Spotify account again' : 'paused')
        : job.next_run_at ? `next run ${inZone(job.next_run_at, here())}` : 'no further runs';
      return h('li', { class: 'card job' },
        h('h3', {}, `${name(job.source)} → ${name(job.target)}`),
        h('p', { class: 'muted' }, `${job.schedule} (${job.timezone}) · ${state}`),
        h('div', { class: 'row' },
          job.paused ? act('Resume', `/v1/sync-jobs/${job.id}/resume`, 'Resumed.') : act('Pause', `/v1/sync-jobs/${job.id}/pause`, 'Paused.'),
          act('Run now', `/v1/sync-jobs/${job.id}/run`, 'Started a run: it shows below when it ends.', 'POST', ran),
          act('Delete', `/v1/sync-jobs/${job.id}`, 'Deleted the sync job.', 'DELETE')),
        runsTable(runs.items));
    }));
    list.replaceChildren(h('ul', { class: 'plain', 'aria-label': 'Your sync jobs' }, cards));
  };

  const choice = (idName, text, uris) => h('div', { class: 'field' }, h('label', { for: idName }, text),
    h('select', { id: idName, required: true }, h('option', { value: '' }, 'Choose…'), uris.map((u) => h('option', { value: u }, name(u)))));
  const source = choice('job-source', 'Copy new songs from', [...label.keys()]);
  const target = choice('job-target', 'Into', [...writable]);
  const spotifySource = spotify ? h('div', { class: 'field grow' }, h('label', { for: 'job-spotify' }, 'or from a Spotify playlist (link or URI)'),
    h('input', { id: 'job-spotify', autocomplete: 'off', placeholder: 'https://open.spotify.com/playlist/…' })) : null;
  const runs = h('div', { id: 'next-runs', 'aria-live': 'polite' });
  let asked = 0;
  let timer;
  const showRuns = () => {
    clearTimeout(timer);
    runs.replaceChildren(h('p', { class: 'muted' }, h('span', { class: 'spinner' }), ' Working out the next runs…'));
    timer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const r = await get(`/v1/sync-jobs/next-runs?schedule=${encodeURIComponent(when.value())}&timezone=${encodeURIComponent(when.zone())}&count=3`);
        if (mine !== asked) return;
        runs.replaceChildren(h('p', {}, `Next runs (${when.zone()}):`),
          h('ul', { 'aria-label': 'Next runs' }, r.next_runs.map((t) => h('li', {}, inZone(t, when.zone())))));
      } catch (e) {
        if (mine === asked) runs.replaceChildren(problem(e));
      }
    }, 200);
  };
  const when = picker(showRuns);
  const form = h('form', { class: 'card' },
    h('h2', {}, 'New sync job'),
    h('div', { class: 'row' }, source, spotifySource, target),
    when.el, runs,
    h('button', { type: 'submit' }, 'Create sync job'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      let from = form['job-source'].value;
      const typed = form['job-spotify']?.value.trim();
      if (typed) {
        from = spotifyPlaylist(typed);
        if (!from) throw new Error('That is not a Spotify playlist link: copy it from Share › Copy link to playlist.');
      }
      if (!from) throw new Error('Choose what to copy from.');
      if (!form['job-target'].value) throw new Error('Choose the playlist to copy into.');
      await api('POST', '/v1/sync-jobs', { source: from, target: form['job-target'].value, schedule: when.value(), timezone: when.zone() });
      announce('Sync job created.');
      form.reset();
      showRuns();
      await drawJobs();
    });
  });
  showRuns();
  await drawJobs();
  return page('Sync jobs',
    h('p', { class: 'muted' }, 'A sync job copies the songs a playlist gains into another, on a schedule. A song you delete from the target is never copied again.'),
    form, h('h2', {}, 'Your sync jobs'), list);
}
