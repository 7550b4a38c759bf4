import { createApp } from "vue";
import App from "./App.vue";
import { createClient } from "./mizan/client.js";
import { createMizan } from "./mizan/vue.js";

createApp(App).use(createMizan(createClient())).mount("#app");
