// The app: a router over history.pushState, the navigation, and the pages it renders in <main>.

import { restore, session, signOut } from './api.js';
import { announce, h, link, navigate, problem } from './dom.js';
import * as account from './pages/account.js';
import { adminPage } from './pages/admin.js';
import * as catalog from './pages/catalog.js';
import { compositeEditor } from './pages/composite.js';
import { imports } from './pages/imports.js';
import { liked } from './pages/liked.js';
import { playlistPage } from './pages/playlist.js';
import { playlists } from './pages/playlists.js';
import { showPage } from './pages/room.js';
import { search } from './pages/search.js';
import { shows } from './pages/shows.js';
import { spotifyPage } from './pages/spotify.js';
import { stats } from './pages/stats.js';
import { syncJobs } from './pages/syncjobs.js';
import { playerBar, stopPlayer } from './player.js';

// [pattern, page, needs sign-in]
const routes = [
  [/^\/$/, () => (session.user ? search() : account.welcome()), false],
  [/^\/sign-in$/, account.signIn, false],
  [/^\/register$/, account.register, false],
  [/^\/account$/, account.settings, true],
  [/^\/search$/, search, true],
  [/^\/artists\/([\w-]+)$/, catalog.artist, true],
  [/^\/albums\/([\w-]+)$/, catalog.album, true],
  [/^\/tracks\/([\w-]+)$/, catalog.track, true],
  [/^\/playlists$/, playlists, true],
  [/^\/playlists\/([\w-]+)$/, playlistPage, true],
  [/^\/playlists\/([\w-]+)\/sources$/, compositeEditor, true],
  [/^\/liked$/, liked, true],
  [/^\/shows$/, shows, true],
  [/^\/shows\/([\w-]+)$/, showPage, true],
  [/^\/stats$/, stats, true],
  [/^\/sync-jobs$/, syncJobs, true],
  [/^\/spotify$/, spotifyPage, true],
  [/^\/import$/, imports, true],
  [/^\/admin$/, adminPage, true],
];

const main = document.getElementById('main');
document.body.insertBefore(playerBar(), document.getElementById('status'));
let rendering = 0;


function nav() {
  const el = document.getElementById('nav');
  const here = location.pathname;
  const item = (href, text) => {
    const a = link(href, text);
    if (here === href || (href !== '/' && here.startsWith(href + '/'))) a.setAttribute('aria-current', 'page');
    return h('li', {}, a);
  };
  const items = session.user
    ? [item('/search', 'Search'), item('/playlists', 'Playlists'), item('/liked', 'Liked'), item('/shows', 'Shows'),
       item('/stats', 'Stats'), item('/import', 'Import'), item('/sync-jobs', 'Sync jobs'), item('/spotify', 'Spotify'),
       session.user.is_admin ? item('/admin', 'Admin') : null,
       item('/account', session.user.username),
       h('li', {}, h('button', { type: 'button', class: 'link', onclick: out }, 'Sign out'))]
    : [item('/sign-in', 'Sign in'), item('/register', 'Register')];
  el.replaceChildren(h('ul', {}, items));
}

async function out() {
  try {
    await stopPlayer();
    await signOut();
    announce('Signed out.');
  } catch (e) {
    announce(e.message);
  }
  navigate('/sign-in');
}

async function render() {
  const ticket = ++rendering;
  nav();
  const path = location.pathname;
  const match = routes.map(([re, view, auth]) => [path.match(re), view, auth]).find(([m]) => m);
  let content;
  if (!match) {
    content = [h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'There is no page here. ', link('/', 'Go home'), '.')];
  } else if (match[2] && !session.user) {
    navigate(`/sign-in?next=${encodeURIComponent(path + location.search)}`, { replace: true });
    return;
  } else {
    main.setAttribute('aria-busy', 'true');
    try {
      content = await match[1](...match[0].slice(1));
    } catch (e) {
      content = [h('h1', { tabindex: '-1' }, 'Something went wrong'), problem(e)];
    }
    main.removeAttribute('aria-busy');
  }
  if (ticket !== rendering) return; // a later navigation won
  main.replaceChildren(...[content].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  const heading = main.querySelector('h1');
  if (heading && document.activeElement === document.body) heading.focus();
  else if (heading && !main.contains(document.activeElement)) heading.focus();
}

document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-nav]');
  if (!a || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
window.addEventListener('medley:navigate', render);
window.addEventListener('medley:signed-out', () => navigate('/sign-in', { replace: true }));

restore().then(render, (e) => main.replaceChildren(h('h1', {}, 'Medley'), problem(e)));
