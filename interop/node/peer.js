// peer.js is the js-libp2p side of framekit's interop tests: it frames and
// unframes messages with the npm packages it-length-prefixed and
// it-length-prefixed-stream, the framing under js-libp2p's protocols, so that
// the Go tests in the folder above can compare the bytes with framekit's.
//
// Usage (every mode prints JSON lines on stdout; see README.md):
//
//   node peer.js encode --lib lp|stream|streamv --in MSGS --out FRAMED [--max N]
//   node peer.js decode --lib lp|stream --in FRAMED --out MSGS [--max N] [--chunk N]
//   node peer.js batch                     one encode or decode command per stdin line, as JSON
//   node peer.js server [--max N]          an echo server on 127.0.0.1, until stdin ends
//   node peer.js client --port P --in MSGS --out MSGS [--max N]
//
// MSGS is a messages file: one message per line, in hex (an empty line is an
// empty message), a format neither side frames with. FRAMED is a stream of
// uvarint length-prefixed messages.
//
// Libraries: lp is it-length-prefixed's encode/decode over a list of chunks
// (decode splits the file into --chunk bytes each, default all at once);
// stream is it-length-prefixed-stream's lpStream, one write or read per
// message; streamv is lpStream's writeV with every message at once.
// --max is the libraries' maxDataLength; without it their defaults apply.

import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { createInterface } from 'node:readline'
import * as lp from 'it-length-prefixed'
import { lpStream } from 'it-length-prefixed-stream'
import * as varint from 'uint8-varint'

function readMessages (path) {
  const text = readFileSync(path, 'latin1')
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.map(line => Uint8Array.from(Buffer.from(line, 'hex')))
}

function writeMessages (path, msgs) {
  writeFileSync(path, msgs.map(m => Buffer.from(m.subarray()).toString('hex') + '\n').join(''))
}

function concat (chunks) {
  return Buffer.concat(chunks.map(c => (c instanceof Uint8Array ? c : c.subarray())))
}

function errorJSON (err) {
  if (err == null) return null
  return { name: err.name ?? 'Error', code: err.code ?? '', message: String(err.message ?? err) }
}

function limits (max) {
  return max == null ? {} : { maxDataLength: max }
}

// collector is a duplex whose sink gathers what is written and whose source
// yields the given chunks: lpStream over a file.
function collector (chunks) {
  const written = []
  let finished
  const done = new Promise(resolve => { finished = resolve })
  const duplex = {
    source: (async function * () { yield * chunks })(),
    sink: async (source) => {
      for await (const buf of source) written.push(Uint8Array.from(buf.subarray ? buf.subarray() : buf))
      finished()
    }
  }
  return { duplex, written, done }
}

// boundaryTracker wraps the varint decoder of an lpStream to record where a
// read stopped: lpStream reports the same UnexpectedEOFError for a stream
// that ends between messages, inside a header and inside a body.
function boundaryTracker () {
  const t = { where: 'boundary' }
  t.decoder = (buf) => {
    t.where = 'header'
    const n = varint.decode(buf)
    t.where = 'body'
    return n
  }
  t.decoder.bytes = 0
  return t
}

function chunked (buf, size) {
  if (size == null || size <= 0 || size >= buf.length) return [buf]
  const out = []
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size))
  return out
}

async function encode (cmd) {
  const msgs = readMessages(cmd.in)
  let error = null
  let chunks = []
  try {
    if (cmd.lib === 'lp') {
      for (const c of lp.encode(msgs, limits(cmd.max))) chunks.push(c)
    } else if (cmd.lib === 'stream' || cmd.lib === 'streamv') {
      const { duplex, written, done } = collector([])
      const s = lpStream(duplex, limits(cmd.max))
      if (cmd.lib === 'stream') {
        for (const m of msgs) await s.write(m)
      } else {
        await s.writeV(msgs)
      }
      await s.unwrap().sink([]) // ends the writes
      await done // the sink has them all
      chunks = written
    } else {
      throw new Error(`unknown --lib ${cmd.lib}`)
    }
  } catch (err) {
    error = err
  }
  writeFileSync(cmd.out, concat(chunks))
  return { count: msgs.length, error: errorJSON(error) }
}

async function decode (cmd) {
  const chunks = chunked(readFileSync(cmd.in), cmd.chunk)
  const msgs = []
  let error = null
  let where
  if (cmd.lib === 'lp') {
    try {
      for (const m of lp.decode(chunks, limits(cmd.max))) msgs.push(m.subarray())
    } catch (err) {
      error = err
    }
  } else if (cmd.lib === 'stream') {
    const tracker = boundaryTracker()
    const s = lpStream(collector(chunks).duplex, { ...limits(cmd.max), lengthDecoder: tracker.decoder })
    for (;;) {
      try {
        msgs.push((await s.read()).subarray())
        tracker.where = 'boundary'
      } catch (err) {
        error = err
        break
      }
    }
    where = tracker.where
  } else {
    throw new Error(`unknown --lib ${cmd.lib}`)
  }
  writeMessages(cmd.out, msgs)
  return { count: msgs.length, error: errorJSON(error), where }
}

function run (cmd) {
  if (cmd.mode === 'encode') return encode(cmd)
  if (cmd.mode === 'decode') return decode(cmd)
  throw new Error(`unknown mode ${cmd.mode}`)
}

// socketDuplex makes a net.Socket an it-stream-types duplex. Writes wait for
// the socket to drain, and fail once it is closed rather than wait forever.
function socketDuplex (socket) {
  return {
    source: socket,
    sink: async (source) => {
      for await (const buf of source) {
        if (socket.destroyed) throw new Error('socket closed')
        if (!socket.write(buf.subarray ? buf.subarray() : buf)) {
          await Promise.race([once(socket, 'drain'), once(socket, 'close')])
        }
      }
      socket.end()
    }
  }
}

function print (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

// server echoes every message on every connection. A connection that ends
// between messages is ended in turn; any other error is printed and the
// connection destroyed, as a libp2p peer resets a stream it cannot read.
async function server (opts) {
  let conns = 0
  const srv = net.createServer(async (socket) => {
    const id = ++conns
    socket.on('error', () => {}) // reported by the read that fails
    const tracker = boundaryTracker()
    const s = lpStream(socketDuplex(socket), { ...limits(opts.max), lengthDecoder: tracker.decoder })
    let count = 0
    for (;;) {
      let msg
      try {
        msg = await s.read()
        tracker.where = 'boundary'
      } catch (err) {
        if (err.code === 'ERR_UNEXPECTED_EOF' && tracker.where === 'boundary') {
          print({ event: 'end', conn: id, count })
          socket.end()
        } else {
          print({ event: 'error', conn: id, count, where: tracker.where, error: errorJSON(err) })
          socket.destroy()
        }
        return
      }
      count++
      try {
        await s.write(msg)
      } catch (err) {
        print({ event: 'error', conn: id, count, where: 'write', error: errorJSON(err) })
        socket.destroy()
        return
      }
    }
  })
  srv.listen(0, '127.0.0.1', () => print({ event: 'listening', port: srv.address().port }))
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}

// client sends every message of --in and reads as many replies, writing
// them to --out, then closes; it reads while it writes, so an echo of any
// length cannot stall on full socket buffers.
async function client (opts) {
  const msgs = readMessages(opts.in)
  const socket = net.connect(opts.port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  const s = lpStream(socketDuplex(socket), limits(opts.max))
  let writeError = null
  const writing = (async () => {
    try {
      for (const m of msgs) await s.write(m)
    } catch (err) {
      writeError = err
    }
  })()
  const got = []
  let readError = null
  try {
    while (got.length < msgs.length) got.push((await s.read()).subarray())
  } catch (err) {
    readError = err
  }
  if (readError != null) socket.destroy()
  await writing
  socket.end()
  writeMessages(opts.out, got)
  print({ sent: msgs.length, received: got.length, readError: errorJSON(readError), writeError: errorJSON(writeError) })
  process.exit(0)
}

function parseArgs (argv) {
  const opts = { mode: argv[0] }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '')
    const value = argv[i + 1]
    opts[key] = ['max', 'chunk', 'port'].includes(key) ? Number(value) : value
  }
  return opts
}

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  switch (opts.mode) {
    case 'encode':
    case 'decode':
      print(await run(opts))
      return
    case 'batch': {
      for await (const line of createInterface({ input: process.stdin })) {
        if (line.trim() === '') continue
        try {
          print(await run(JSON.parse(line)))
        } catch (err) {
          print({ fatal: errorJSON(err) })
        }
      }
      return
    }
    case 'server':
      return server(opts)
    case 'client':
      return client(opts)
    default:
      process.stderr.write('usage: node peer.js encode|decode|batch|server|client [--flag value]...\n')
      process.exit(2)
  }
}

main().catch((err) => {
  process.stderr.write(`peer.js: ${err.stack ?? err}\n`)
  process.exit(1)
})
