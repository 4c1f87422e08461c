// Runs a Node test SP as a process manager (pm2, systemd) would: started again whenever it
// dies, so an SP that a crafted response crashes is seen crashing on that response only. The
// SP exits when this process goes (its IPC channel closes; see node-sp.js). An app that dies
// within a second of starting, five times in a row (a missing module, a port in use), is not
// started again: this process exits with an error instead of looping.
"use strict";
const { fork } = require("node:child_process");

const app = process.argv[2];
const QUICK_MS = 1000;
const QUICK_DEATHS = 5;
let quick = 0;
function start() {
  const started = Date.now();
  fork(app, { stdio: "inherit" }).on("exit", (code, signal) => {
    quick = Date.now() - started < QUICK_MS ? quick + 1 : 0;
    if (quick >= QUICK_DEATHS) {
      console.error(`supervise: ${app} died ${quick} times within ${QUICK_MS} ms of starting; giving up`);
      process.exit(1);
    }
    console.error(`supervise: ${app} exited (${signal || code}); starting it again`);
    setTimeout(start, 100);
  });
}
start();
