import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * `npm run example:web` serves the app on http://localhost:5173 and proxies `/graphql` and `/sandbox` to the facade
 * (FACADE_URL, default http://localhost:4000, as `npm start` listens): the app stays same-origin, so the facade needs
 * no CORS configuration and the token never crosses origins.
 */
const facade = process.env.FACADE_URL ?? 'http://localhost:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      '/graphql': { target: facade, changeOrigin: true },
      '/sandbox': { target: facade, changeOrigin: true },
    },
  },
  preview: {
    proxy: {
      '/graphql': { target: facade, changeOrigin: true },
      '/sandbox': { target: facade, changeOrigin: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true },
});
