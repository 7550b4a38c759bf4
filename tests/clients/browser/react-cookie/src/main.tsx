import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { createClient } from "./mizan/client.js";
import { MizanProvider } from "./mizan/react.js";

// Cookie mode: login sets the server's httpOnly cookies; the page never
// sees a token and mutations carry the CSRF token from `GET session/`.
const client = createClient({ auth: "cookie" });
const queryClient = new QueryClient();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <MizanProvider client={client}>
        <App />
      </MizanProvider>
    </QueryClientProvider>
  </StrictMode>,
);
