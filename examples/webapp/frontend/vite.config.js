import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run build` writes the site to dist/: index.html and hashed assets, what the
// distribution's bucket serves. `npm run dev` serves the same page with hot reload and
// sends /api to the Lamina at LAMINA_URL (default :3000); the page calls Cognito where
// /api/config says.
const lamina = process.env.LAMINA_URL || "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: {
    proxy: { "/api": lamina },
  },
});
