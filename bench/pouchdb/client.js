// One PouchDB client step per process (like one `gridfield` command): load a
// local database from NDJSON, push it to the server, pull into an empty one,
// edit documents offline, or sync both ways. Prints one JSON line; `ms` is the
// replication alone, without node's start-up.
'use strict';
const fs = require('fs');
const readline = require('readline');
const PouchDB = require('pouchdb');

async function load(local, file) {
  const db = new PouchDB(local);
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let batch = [];
  let n = 0;
  for await (const line of rl) {
    if (!line) continue;
    batch.push(JSON.parse(line));
    if (batch.length === 1000) {
      await db.bulkDocs(batch);
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length) {
    await db.bulkDocs(batch);
    n += batch.length;
  }
  const info = await db.info();
  return { docs: n, adapter: info.adapter };
}

async function replicate(from, to) {
  const t = process.hrtime.bigint();
  const r = await PouchDB.replicate(from, to);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { ms, docs: r.docs_written, read: r.docs_read };
}

async function edit(local, count, round) {
  const db = new PouchDB(local);
  const res = await db.allDocs({ startkey: 'household:', endkey: 'household:\ufff0', limit: count, include_docs: true });
  const docs = res.rows.map((r, i) => {
    const d = r.doc;
    d.entity.fields.note = `第${round}轮第${i}户走访：情况正常`;
    return d;
  });
  await db.bulkDocs(docs);
  return { docs: docs.length };
}

async function sync(local, remote) {
  const t = process.hrtime.bigint();
  const up = await PouchDB.replicate(local, remote);
  const down = await PouchDB.replicate(remote, local);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { ms, pushed: up.docs_written, pulled: down.docs_written };
}

async function main() {
  const [cmd, local, arg, extra] = process.argv.slice(2);
  let out;
  switch (cmd) {
    case 'load': out = await load(local, arg); break;
    case 'push': out = await replicate(new PouchDB(local), new PouchDB(arg)); break;
    case 'pull': out = await replicate(new PouchDB(arg), new PouchDB(local)); break;
    case 'edit': out = await edit(local, Number(arg), extra || '0'); break;
    case 'sync': out = await sync(new PouchDB(local), new PouchDB(arg)); break;
    default:
      console.error('usage: node client.js load|push|pull|edit|sync <local dir> <arg>');
      process.exit(2);
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
