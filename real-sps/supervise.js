// Runs a Node test SP as a process manager (pm2, systemd) would: started again whenever it
// dies, so an SP that a crafted response crashes is seen crashing on that response only. The
// SP exits when this process goes (its IPC channel closes; see node-sp.js).
"use strict";
const { fork } = require("node:child_process");

const app = process.argv[2];
function start() {
  fork(app, { stdio: "inherit" }).on("exit", (code, signal) => {
    console.error(`supervise: ${app} exited (${signal || code}); starting it again`);
    start();
  });
}
start();
