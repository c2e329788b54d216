// The Socket.IO 4.8 baseline of bench/live.sh (docs/BENCHMARKS.md, "Live shows"): what
// Medley's live show does for the load test, in the usual Socket.IO way. A client connects
// over the WebSocket transport with `auth: {token, show}`; the token must be one of the
// users `medley-bench live prepare` made (read from its live.json) and the show one of its
// shows; the socket joins the show's room and is sent `welcome`. A `comment` {text} of 1 to
// 500 characters is broadcast to the room (sender included, as Medley does) as
// `comment` {id, user, text, at}.
//
// Usage: node server.js DATA_DIR [PORT]   (PORT 0 or absent: any free port; the URL is printed)
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const { Server } = require("socket.io");

const dataDir = process.argv[2];
if (!dataDir) {
  console.error("usage: node server.js DATA_DIR [PORT]");
  process.exit(2);
}
const port = Number(process.argv[3] || 0);
const data = JSON.parse(fs.readFileSync(path.join(dataDir, "live.json"), "utf8"));
const users = new Map([data.host, ...data.users].map((u) => [u.token, u.id]));
const shows = new Set(data.shows);

const server = http.createServer();
const io = new Server(server, {
  transports: ["websocket"],
  serveClient: false,
  // Client frames are at most 4 KiB, as Medley's.
  maxHttpBufferSize: 4096,
});

io.use((socket, next) => {
  const { token, show } = socket.handshake.auth || {};
  const user = users.get(token);
  if (!user) {
    return next(new Error("authentication failed"));
  }
  if (!shows.has(show)) {
    return next(new Error("no such show"));
  }
  socket.data.user = user;
  socket.data.show = show;
  next();
});

let nextId = 1;
io.on("connection", (socket) => {
  const room = socket.data.show;
  socket.join(room);
  socket.emit("welcome", { show: room, audience: io.sockets.adapter.rooms.get(room).size });
  socket.on("comment", (d) => {
    if (!d || typeof d.text !== "string" || d.text.length === 0 || d.text.length > 500) {
      return;
    }
    io.to(room).emit("comment", {
      id: String(nextId++),
      user: socket.data.user,
      text: d.text,
      at: Date.now(),
    });
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Socket.IO is listening on http://127.0.0.1:${server.address().port}`);
});

const stop = () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
