import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The build is checked in (`dist/`) and embedded in the `maatwerk` binary; CI builds it again
// and fails when it differs from the sources.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Every script is a file of its own: the Content-Security-Policy allows no inline script.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        app: resolve(import.meta.dirname, 'index.html'),
        graphiql: resolve(import.meta.dirname, 'graphiql.html'),
      },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:8080', ws: true },
      '/demo': 'http://127.0.0.1:8080',
      '/app': 'http://127.0.0.1:8080',
      '/export': 'http://127.0.0.1:8080',
    },
  },
})
