// The classic offline-first server for the side-by-side figures: express-pouchdb
// over PouchDB's LevelDB adapter, on loopback, in its own process. Prints
// "listening <port>" once it accepts connections.
'use strict';
const path = require('path');
const fs = require('fs');
const PouchDB = require('pouchdb');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node server.js <data dir>');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
// express-pouchdb writes its log and config next to the process: keep them in the data dir.
process.chdir(dir);
const Db = PouchDB.defaults({ prefix: path.join(dir, 'db-') });
const app = require('express-pouchdb')(Db, {
  mode: 'minimumForPouchDB',
  inMemoryConfig: true,
  logPath: path.join(dir, 'log.txt'),
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
