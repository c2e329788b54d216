// The composite editor: a playlist built from other playlists. Pick sources (your Medley
// playlists, Spotify's Liked Songs and playlists when an account is connected), include or
// exclude each, set the options, and see, before saving, what the playlist would gain and
// lose. Then each source's health, and the songs you removed (which sources will not bring
// back) with a way to restore them.

import { api, get } from '../api.js';
import { announce, h, link, navigate, page, problem } from '../dom.js';

const DEFAULTS = { identity: 'id', archive: false, cap: 10000, filters: {}, ordering: 'append', target: null };

/** `spotify:playlist:<id>` from a URI or an open.spotify.com link; null when it is neither. */
export function spotifyPlaylist(text) {
  const t = text.trim();
  const uri = t.match(/^spotify:playlist:([A-Za-z0-9]{10,40})$/);
  if (uri) return t;
  try {
    const url = new URL(t);
    const m = url.pathname.match(/^\/(?:intl-[\w-]+\/)?playlist\/([A-Za-z0-9]{10,40})$/);
    if (url.hostname === 'open.spotify.com' && m) return `spotify:playlist:${m[1]}`;
  } catch { /* not a URL */ }
  return null;
}

async function names(ids) {
  const out = new Map();
  for (let i = 0; i < ids.length; i += 50) {
    const found = await get(`/v1/tracks?ids=${ids.slice(i, i + 50).join(',')}`);
    for (const t of found.tracks) if (t) out.set(t.uri, `${t.name} · ${(t.artists || []).map((a) => a.name).join(', ')}`);
  }
  return out;
}

const idOf = (uri) => uri.split(':').pop();

export async function compositeEditor(id) {
  const [list, me, mine, current, connections] = await Promise.all([
    get(`/v1/playlists/${id}`),
    get('/v1/me'),
    get('/v1/me/playlists?limit=50'),
    get(`/v1/playlists/${id}/composition`).catch((e) => { if (e.status === 404) return null; throw e; }),
    get('/v1/connections').catch(() => ({ items: [] })), // 503 when Spotify is not configured
  ]);
  if (list.owner.id !== me.id) {
    return page(list.name, h('p', { class: 'error', role: 'alert' }, 'Only the owner of a playlist can choose its sources.'));
  }
  const label = new Map(mine.items.map((p) => [`medley:playlist:${p.id}`, p.name]));
  const spotify = connections.items.filter((c) => c.provider === 'spotify');
  for (const c of spotify) {
    label.set(`spotify:user:${c.account.id}:collection`, `Liked Songs on Spotify (${c.account.display_name || c.account.id})`);
  }
  const name = (uri) => label.get(uri) || (uri.startsWith('spotify:playlist:') ? `Spotify playlist ${idOf(uri)}` : uri);
  const health = new Map((current?.sources || []).map((s) => [s.uri, s]));
  const state = {
    sources: (current?.sources || []).map(({ uri, mode }) => ({ uri, mode })),
    options: { ...DEFAULTS, ...(current?.options || {}), filters: { ...(current?.options?.filters || {}) } },
  };

  const sourceList = h('ul', { class: 'sources', 'aria-label': 'Sources' });
  const preview = h('section', { id: 'preview', class: 'card', 'aria-labelledby': 'preview-h', 'aria-live': 'polite' });
  const saveButton = h('button', { type: 'submit' }, current ? 'Save changes' : 'Make it a composite');

  function drawSources() {
    if (!state.sources.length) {
      sourceList.replaceChildren(h('li', { class: 'muted' }, 'No sources yet: add one below.'));
    } else {
      sourceList.replaceChildren(...state.sources.map((s, i) => {
        const mode = h('select', { 'aria-label': `Mode of ${name(s.uri)}` },
          h('option', { value: 'include', selected: s.mode === 'include' }, 'Include its songs'),
          h('option', { value: 'exclude', selected: s.mode === 'exclude' }, 'Exclude its songs'));
        mode.addEventListener('change', () => { s.mode = mode.value; changed(); });
        const seen = health.get(s.uri);
        const status = !seen ? h('span', { class: 'muted' }, 'new')
          : seen.healthy ? h('span', { class: 'ok' }, `healthy${seen.last_read_at ? `, read ${new Date(seen.last_read_at).toLocaleString()}` : ''}`)
            : h('span', { class: 'error' }, `cannot be read: ${seen.last_error || 'unknown error'} (its songs are kept as they were)`);
        return h('li', { class: 'source' },
          h('span', { class: 'source-name' }, s.uri.startsWith('medley:playlist:') ? link(`/playlists/${idOf(s.uri)}`, name(s.uri)) : name(s.uri)),
          mode, status,
          h('button', { type: 'button', class: 'small', 'aria-label': `Remove source ${name(s.uri)}`,
            onclick: () => { state.sources.splice(i, 1); drawSources(); changed(); adder.focus(); } }, 'Remove'));
      }));
    }
    drawAdder();
  }

  const adder = h('select', { id: 'add-source' });
  function drawAdder() {
    const chosen = new Set(state.sources.map((s) => s.uri));
    const options = [...label.keys()].filter((uri) => uri !== `medley:playlist:${id}` && !chosen.has(uri));
    adder.replaceChildren(h('option', { value: '' }, options.length ? 'Choose a playlist…' : 'No other playlists'),
      ...options.map((uri) => h('option', { value: uri }, name(uri))));
  }
  const addSource = (uri) => {
    if (state.sources.some((s) => s.uri === uri)) { announce(`${name(uri)} is a source already.`); return; }
    state.sources.push({ uri, mode: 'include' });
    drawSources();
    changed();
    announce(`Added ${name(uri)} as a source.`);
  };
  const pickForm = h('div', { class: 'row' },
    h('div', { class: 'field' }, h('label', { for: 'add-source' }, 'Add a source'), adder),
    h('button', { type: 'button', onclick: () => { if (adder.value) addSource(adder.value); } }, 'Add source'));
  let spotifyForm = null;
  if (spotify.length) {
    const input = h('input', { id: 'spotify-source', placeholder: 'https://open.spotify.com/playlist/…', autocomplete: 'off' });
    spotifyForm = h('div', { class: 'row' },
      h('div', { class: 'field grow' }, h('label', { for: 'spotify-source' }, 'Add a Spotify playlist (its link or URI)'), input),
      h('button', { type: 'button', onclick: () => {
        const uri = spotifyPlaylist(input.value);
        if (!uri) { announce('That is not a Spotify playlist link: copy it from Share › Copy link to playlist.'); input.focus(); return; }
        input.value = '';
        addSource(uri);
      } }, 'Add Spotify playlist'));
  }

  // Options and filters: each control writes into state.options and asks for a new preview.
  const o = state.options;
  const f = o.filters;
  const select = (idName, text, value, choices, set) => {
    const el = h('select', { id: idName }, choices.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
    el.addEventListener('change', () => { set(el.value); changed(); });
    return h('div', { class: 'field' }, h('label', { for: idName }, text), el);
  };
  const number = (idName, text, value, set, attrs = {}) => {
    const el = h('input', { id: idName, type: 'number', inputmode: 'numeric', min: '0', value: value ?? '', ...attrs });
    el.addEventListener('input', () => { set(el.value === '' ? null : Number(el.value)); changed(); });
    return h('div', { class: 'field' }, h('label', { for: idName }, text), el);
  };
  const words = (idName, text, value, set) => {
    const el = h('input', { id: idName, value: (value || []).join(', '), autocomplete: 'off' });
    el.addEventListener('input', () => { set(el.value.split(',').map((s) => s.trim()).filter(Boolean)); changed(); });
    return h('div', { class: 'field' }, h('label', { for: idName }, text), el);
  };
  const archive = h('input', { type: 'checkbox', id: 'opt-archive', checked: o.archive });
  archive.addEventListener('change', () => { o.archive = archive.checked; changed(); });
  const seconds = (ms) => (ms == null ? null : Math.round(ms / 1000));
  const options = h('fieldset', { class: 'card' }, h('legend', {}, 'Options'),
    h('div', { class: 'row' },
      select('opt-identity', 'The same song is', o.identity, [['id', 'the same catalog track'], ['isrc', 'the same ISRC'], ['fuzzy', 'same title, artist and length']], (v) => { o.identity = v; }),
      select('opt-ordering', 'New songs go', o.ordering, [['append', 'at the end'], ['source_order', 'where their source has them'], ['interleave', 'at the end, one source at a time']], (v) => { o.ordering = v; }),
      number('opt-cap', 'At most (songs)', o.cap, (v) => { o.cap = v ?? DEFAULTS.cap; }, { min: '1', max: '10000' })),
    h('div', { class: 'check' }, archive, h('label', { for: 'opt-archive' }, 'Archive: keep songs even when their source drops them')));
  const filters = h('fieldset', { class: 'card' }, h('legend', {}, 'Filters (on what sources bring, never on songs you add)'),
    h('div', { class: 'row' },
      select('flt-explicit', 'Explicit songs', f.explicit == null ? 'any' : String(f.explicit), [['any', 'allowed'], ['false', 'left out'], ['true', 'only these']],
        (v) => { f.explicit = v === 'any' ? null : v === 'true'; }),
      number('flt-min', 'Shortest (seconds)', seconds(f.min_duration_ms), (v) => { f.min_duration_ms = v == null ? null : v * 1000; }),
      number('flt-max', 'Longest (seconds)', seconds(f.max_duration_ms), (v) => { f.max_duration_ms = v == null ? null : v * 1000; }),
      number('flt-days', 'Added in the last (days)', f.added_within_days, (v) => { f.added_within_days = v; }, { min: '1' })),
    h('div', { class: 'row' },
      words('flt-artists', 'Only these artists (comma-separated)', f.artists, (v) => { f.artists = v; }),
      words('flt-exclude', 'Never these artists', f.exclude_artists, (v) => { f.exclude_artists = v; })));

  // The live preview: asked for after each change (the last answer wins).
  let asked = 0;
  let timer;
  function changed() {
    clearTimeout(timer);
    preview.setAttribute('aria-busy', 'true');
    preview.replaceChildren(h('h2', { id: 'preview-h' }, 'Preview'), h('p', { class: 'muted' }, h('span', { class: 'spinner' }), ' Working out what would change…'));
    timer = setTimeout(runPreview, 250);
  }
  async function runPreview() {
    const mine = ++asked;
    const heading = h('h2', { id: 'preview-h' }, 'Preview');
    if (!state.sources.length) {
      preview.removeAttribute('aria-busy');
      preview.replaceChildren(heading, h('p', { class: 'muted' }, 'Add a source to see what this playlist would hold.'));
      return;
    }
    try {
      const r = await api('POST', `/v1/playlists/${id}/composition/preview`, body());
      const shown = [...r.added.slice(0, 50), ...r.removed.slice(0, 50)].map(idOf);
      const named = shown.length ? await names(shown) : new Map();
      if (mine !== asked) return;
      const listOf = (uris, what) => (uris.length
        ? h('ul', { class: 'changes', 'aria-label': what }, uris.slice(0, 50).map((u) => h('li', {}, named.get(u) || u)),
          uris.length > 50 ? h('li', { class: 'muted' }, `and ${uris.length - 50} more`) : null)
        : null);
      preview.replaceChildren(heading,
        h('p', { class: 'lead' }, `Saving would add ${r.added.length} and remove ${r.removed.length} songs.`),
        r.added.length ? h('h3', {}, 'Would be added') : null, listOf(r.added, 'Would be added'),
        r.removed.length ? h('h3', {}, 'Would be removed') : null, listOf(r.removed, 'Would be removed'),
        r.overflow.length ? h('p', { class: 'error' }, `${r.overflow.length} songs would not fit under the limit of ${state.options.cap}.`) : null,
        r.unhealthy.map((u) => h('p', { class: 'error' }, `${name(u.uri)} cannot be read: ${u.error}. What it gave before is kept.`)));
    } catch (e) {
      if (mine !== asked) return;
      preview.replaceChildren(heading, problem(e));
    }
    preview.removeAttribute('aria-busy');
  }
  const clean = (v) => (Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined);
  function body() {
    const filtersOut = Object.fromEntries(Object.entries(state.options.filters).filter(([, v]) => clean(v)));
    return { sources: state.sources, options: { ...state.options, filters: filtersOut } };
  }

  const form = h('form', {}, h('fieldset', { class: 'card' }, h('legend', {}, 'Sources'), sourceList, pickForm, spotifyForm),
    options, filters, preview, h('div', { class: 'row' }, saveButton, link(`/playlists/${id}`, 'Cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.querySelector('.error.saving')?.remove();
    saveButton.disabled = true;
    try {
      const r = await api('PUT', `/v1/playlists/${id}/composition`, body());
      announce(`Saved: ${r.sync.added.length} songs added, ${r.sync.removed.length} removed.`);
      navigate(`/playlists/${id}`);
    } catch (e) {
      const p = problem(e);
      p.classList.add('saving');
      saveButton.before(p);
    }
    saveButton.disabled = false;
  });

  drawSources();
  changed();
  const extras = current ? [await suppressedSection(id), plainSection(id)] : [];
  return page(`Sources of ${list.name}`,
    h('p', { class: 'muted' }, 'A song is in this playlist when an included source has it, no excluded source has it, and it passes the filters — or when you added it yourself. Songs you remove stay out.'),
    form, ...extras);
}

async function suppressedSection(id) {
  const holder = h('div');
  const draw = async () => {
    const s = await get(`/v1/playlists/${id}/suppressed`);
    holder.replaceChildren(s.items.length
      ? h('ul', { class: 'changes', 'aria-label': 'Removed by you' }, s.items.map((t) => h('li', {},
        `${t.name} · ${(t.artists || []).map((a) => a.name).join(', ')} `,
        h('button', { type: 'button', class: 'small', 'aria-label': `Restore ${t.name}`, onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            const r = await api('DELETE', `/v1/playlists/${id}/suppressed`, { uris: [t.uri] });
            announce(r.added.length ? `Restored ${t.name}: it is back in the playlist.` : `Restored ${t.name}: it comes back when a source has it.`);
          } catch (err) { announce(err.message); }
          await draw();
          holder.closest('section').querySelector('h2').focus();
        } }, 'Restore'))))
      : h('p', { class: 'muted' }, 'Nothing: songs you remove from this playlist are listed here, and sources will not bring them back until you restore them.'));
  };
  await draw();
  return h('section', { class: 'card', 'aria-labelledby': 'suppressed-h' }, h('h2', { id: 'suppressed-h', tabindex: '-1' }, 'Removed by you'), holder);
}

function plainSection(id) {
  const button = h('button', { type: 'button', class: 'secondary' }, 'Make it a plain playlist');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('DELETE', `/v1/playlists/${id}/composition`);
      announce('It is a plain playlist now: its songs stay, and sources no longer change it.');
      navigate(`/playlists/${id}`);
    } catch (e) {
      announce(e.message);
      button.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'plain-h' }, h('h2', { id: 'plain-h' }, 'Stop following sources'),
    h('p', { class: 'muted' }, 'The songs stay; sources no longer change the playlist.'), button);
}
