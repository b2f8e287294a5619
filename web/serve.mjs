// Serves the demo page with node's own http module: web/ at / and the browser bundle (dist/browser/) at
// /dist/. Usage: node web/serve.mjs [--port N] (or PORT=N); port 0 picks a free one. It prints the URL.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const ROOTS = [
  { prefix: '/dist/', dir: resolve(here, '..', 'dist', 'browser') },
  { prefix: '/', dir: here },
]
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
}
// The server's own file is not part of the page.
const HIDDEN = new Set([fileURLToPath(import.meta.url)])

function parsePort(argv, env) {
  const i = argv.indexOf('--port')
  const given = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith('--port='))?.slice(7) ?? env.PORT)
  if (given === undefined) return 8080
  const port = Number(given)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`serve: the port must be an integer from 0 to 65535, got ${JSON.stringify(given)}`)
  }
  return port
}

/** The file a URL path names under one of the roots, or null when it is outside them (or malformed). */
export function resolvePath(urlPath) {
  let path
  try {
    path = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (path.includes('\0')) return null
  if (path.endsWith('/')) path += 'index.html'
  for (const { prefix, dir } of ROOTS) {
    if (!path.startsWith(prefix)) continue
    const file = resolve(dir, '.' + path.slice(prefix.length - 1))
    return file.startsWith(dir + sep) && !HIDDEN.has(file) ? file : null
  }
  return null
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}

export function createDemoServer() {
  return createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n')
    const url = new URL(req.url ?? '/', 'http://localhost')
    const file = resolvePath(url.pathname)
    if (file === null) return send(res, 403, 'forbidden\n')
    let info
    try {
      info = await stat(file)
    } catch {
      const hint = file.startsWith(ROOTS[0].dir) ? ' (build the bundle first: npm run build:browser)' : ''
      return send(res, 404, `not found: ${url.pathname}${hint}\n`)
    }
    if (!info.isFile()) return send(res, 404, `not found: ${url.pathname}\n`)
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    if (req.method === 'HEAD') return res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  })
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  let port
  try {
    port = parsePort(process.argv.slice(2), process.env)
  } catch (error) {
    console.error(error.message)
    process.exit(2)
  }
  const server = createDemoServer()
  server.on('error', (error) => {
    console.error(`serve: ${error.code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port` : error.message}`)
    process.exit(1)
  })
  server.listen(port, '127.0.0.1', () => {
    const address = server.address()
    console.log(`seqgrad demo: http://localhost:${address.port}/`)
  })
  const stop = () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
