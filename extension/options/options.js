// Options: the API URL, the key and the default policy. Saving asks Chrome for permission to
// reach the server's origin (inside the click, as Chrome requires), then hands the settings to
// the service worker, which validates and stores them. The key is never read back into the page.

import { checkApiUrl, originPattern } from "../background/settings.js";
import { ask } from "../lib/messages.js";

const $ = (id) => document.getElementById(id);

function say(text, ok) {
  $("status").textContent = text;
  $("status").className = `status ${ok ? "ok" : "bad"}`;
}

function showSettings(settings) {
  $("apiUrl").value = settings.apiUrl;
  $("defaultPolicy").value = settings.defaultPolicy;
  $("apiKey").value = "";
  $("key-state").textContent = settings.hasKey ? "A key is saved. Leave this empty to keep it." : "No key saved yet.";
}

async function save(event) {
  event.preventDefault();
  let pattern;
  try {
    pattern = originPattern(checkApiUrl($("apiUrl").value));
  } catch (error) {
    say(`Invalid settings: ${error.message}`, false);
    return;
  }
  // permissions.request needs the click's user gesture: call it before anything is awaited.
  const granted = chrome.permissions.request({ origins: [pattern] });
  try {
    if (!(await granted)) {
      say(`drafter needs permission to reach ${pattern} to call the API.`, false);
      return;
    }
    const settings = await ask("settings:save", {
      settings: { apiUrl: $("apiUrl").value, apiKey: $("apiKey").value, defaultPolicy: $("defaultPolicy").value.trim() },
    });
    showSettings(settings);
    say("Saved.", true);
  } catch (error) {
    say(error.message, false);
  }
}

async function test() {
  say("Testing…", true);
  try {
    const result = await ask("api:test");
    $("policies").replaceChildren(...result.policies.map((id) => new Option(id, id)));
    say(`Connected: the server is ready and accepts the key. Policies: ${result.policies.join(", ")}.`, true);
  } catch (error) {
    say(error.message, false);
  }
}

$("settings").addEventListener("submit", save);
$("test").addEventListener("click", test);
ask("settings:get")
  .then(showSettings)
  .catch((error) => say(error.message, false))
  .finally(() => (document.body.dataset.loaded = "true"));
