// The newsroom console (/newsroom): the key (kept in sessionStorage, never in a URL), the
// compose form with its live preview, and the feed's recent items, live, with Correct and
// Retract. Every error the server names a field for is shown beside that field.
// The feed and each feed's unsent draft are kept in localStorage (they outlive the tab, as a draft
// should outlive a crash); the key never is.
import { followFeed } from "./feed-connection.js";
import { createFeedColumn, renderItemContent } from "./feed-view.js";
import { countCharacters, formatTime } from "./format.js";
import { FEED_NAME } from "./live-column.js";

const KEY_STORAGE = "livefeed.newsroomKey"; // sessionStorage
const FEED_STORAGE = "livefeed.console.feed"; // localStorage
const DRAFT_STORAGE = "livefeed.console.draft."; // localStorage, + the feed's name
const HEADLINE_MAX = 280;
const BODY_MAX = 4000;
const FIELDS = ["headline", "body", "priority", "tags", "link"];

const $ = (id) => document.getElementById(id);
const keyPanel = $("key-panel");
const keyForm = $("key-form");
const keyState = $("key-state");
const workspace = $("workspace");
const compose = $("compose");
const publishButton = $("publish");
const publishStatus = $("publish-status");

// ---- The newsroom key ----------------------------------------------------------------

function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

function showKeyPanel(message) {
  keyPanel.hidden = false;
  workspace.hidden = true;
  keyState.hidden = true;
  setFieldError("key", message ?? null);
  $("key").value = "";
  $("key").focus();
}

function showWorkspace() {
  keyPanel.hidden = true;
  workspace.hidden = false;
  keyState.hidden = false;
  startRecent();
}

keyForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const key = $("key").value.trim();
  if (!key) {
    setFieldError("key", "Enter the newsroom key you were given.");
    return;
  }

  sessionStorage.setItem(KEY_STORAGE, key);
  setFieldError("key", null);
  showWorkspace();
  $("headline").focus();
});

$("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_STORAGE);
  showKeyPanel();
});

// ---- Talking to the API --------------------------------------------------------------

/** Sends a newsroom request; a key the server refuses sends the editor back to the key form. */
async function send(method, path, body, headers = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${storedKey()}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return { status: 0, problem: { title: "The server could not be reached", detail: "Check the connection and try again: nothing is published twice." } };
  }

  const json = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyPanel("The server did not accept this newsroom key. Enter it again; your draft is kept.");
  }

  if (response.ok) {
    return { status: response.status, value: json };
  }

  const retryAfter = response.headers.get("Retry-After");
  const problem = json ?? { title: `The server answered ${response.status}` };
  if (retryAfter && !/\d+ s\.?$/.test(problem.detail ?? "")) {
    // Unless the server's own words already say when (the write limit's do).
    problem.detail = `${problem.detail ?? ""} Try again in ${retryAfter} s.`.trim();
  }

  return { status: response.status, problem };
}

// ---- Field errors --------------------------------------------------------------------

function setFieldError(id, message) {
  const input = $(id);
  const error = $(`${id}-error`);
  if (!input || !error) {
    return false;
  }

  error.textContent = message ?? "";
  error.hidden = !message;
  if (message) {
    input.setAttribute("aria-invalid", "true");
  } else {
    input.removeAttribute("aria-invalid");
  }

  return true;
}

/**
 * Puts each error of a problem document beside its field (ids `${prefix}${field}`), and the
 * rest in the form's own error line. Answers whether anything was shown.
 */
function showProblem(problem, prefix, formError, fields) {
  const leftOver = [];
  let first = null;
  for (const [name, messages] of Object.entries(problem.errors ?? {})) {
    const field = name.replace(/\[\d+\]$/, ""); // tags[2] is the tags field
    const text = messages.join(" ");
    if (fields.includes(field) && setFieldError(`${prefix}${field}`, text)) {
      first ??= $(`${prefix}${field}`);
    } else {
      leftOver.push(name === "$" ? text : `${name}: ${text}`);
    }
  }

  const summary = leftOver.length > 0 ? leftOver.join(" ") : first ? "" : [problem.title, problem.detail].filter(Boolean).join(". ");
  formError.textContent = summary;
  formError.hidden = !summary;
  first?.focus();
}

function clearErrors(prefix, fields, formError) {
  for (const field of fields) {
    setFieldError(`${prefix}${field}`, null);
  }

  formError.hidden = true;
  formError.textContent = "";
}

// ---- Compose ------------------------------------------------------------------------

function readItem(prefix) {
  const text = (field) => $(`${prefix}${field}`).value;
  const optional = (value) => (value.trim() === "" ? null : value);
  return {
    headline: text("headline"),
    body: optional(text("body")),
    priority: text("priority"),
    tags: text("tags").split(",").map((tag) => tag.trim()).filter(Boolean),
    link: optional(text("link")),
  };
}

function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// One key per draft: a double click, or a retry after a lost answer, sends the same key, so
// the server makes one item. Editing the draft makes it a new item with a new key. The key is kept
// with the draft: a reload after an answer that never came, and Publish again, still makes one item.
let draftKey = newIdempotencyKey();
let publishing = false;

// ---- Drafts, kept per feed ----------------------------------------------------------

const DRAFT_FIELDS = ["headline", "body", "priority", "tags", "link"];
let draftFeed = null; // the feed the form's draft is kept under

function readStored(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function writeStored(key, value) {
  try {
    if (value === null) {
      localStorage.removeItem(key);
    } else {
      localStorage.setItem(key, JSON.stringify(value));
    }
  } catch {
    // Storage full or refused (a private window): the draft lives on in the form only.
  }
}

function formDraft() {
  return Object.fromEntries(DRAFT_FIELDS.map((name) => [name, $(name).value]));
}

function isEmptyDraft(draft) {
  return !draft || DRAFT_FIELDS.every((name) => name === "priority" ? draft[name] === "normal" : !draft[name]?.trim());
}

/** Keeps the form's draft under its feed (or forgets it once it is empty). */
function saveDraft() {
  if (draftFeed) {
    const draft = formDraft();
    writeStored(DRAFT_STORAGE + draftFeed, isEmptyDraft(draft) ? null : { ...draft, idempotencyKey: draftKey });
  }
}

function fillDraft(draft) {
  for (const name of DRAFT_FIELDS) {
    $(name).value = draft?.[name] ?? (name === "priority" ? "normal" : "");
  }

  draftKey = draft?.idempotencyKey ?? newIdempotencyKey();
  onDraftChanged();
}

/**
 * The form now writes to `feed`: the feed's own unsent draft comes back; a feed with none takes the
 * draft in the form along (an editor who wrote first and then picked the feed loses nothing).
 */
function switchDraft(feed) {
  if (feed === draftFeed) {
    return;
  }

  const stored = readStored(DRAFT_STORAGE + feed);
  if (!isEmptyDraft(stored)) {
    saveDraft();
    fillDraft(stored);
  } else if (draftFeed) {
    writeStored(DRAFT_STORAGE + draftFeed, null);
  }

  draftFeed = feed;
  saveDraft();
  writeStored(FEED_STORAGE, feed);
}

function updateCounter(id, max) {
  const counter = $(`${id}-count`);
  const count = countCharacters($(id).value.trim());
  counter.textContent = count > max ? `${count} / ${max}, ${count - max} too many` : `${count} / ${max}`;
  counter.classList.toggle("over", count > max);
  counter.classList.toggle("near", count <= max && count > max * 0.9);
}

function updatePreview() {
  const draft = readItem("");
  const item = {
    id: "preview",
    headline: draft.headline.trim() || "Your headline appears here",
    body: draft.body?.trim() || null,
    priority: draft.priority,
    tags: draft.tags,
    link: draft.link?.trim() || null,
    publishedAt: new Date(),
    updatedAt: null,
  };
  const list = document.createElement("ol");
  list.className = "lf-items";
  const entry = document.createElement("li");
  entry.className = "lf-item";
  entry.dataset.priority = item.priority;
  entry.classList.toggle("lf-placeholder", !draft.headline.trim());
  entry.append(renderItemContent(document, item));
  list.append(entry);
  $("preview").replaceChildren(list);
}

function onDraftChanged() {
  updateCounter("headline", HEADLINE_MAX);
  updateCounter("body", BODY_MAX);
  updatePreview();
}

compose.addEventListener("input", (e) => {
  if (e.target.id === "feed") {
    return;
  }

  if (!publishing) {
    draftKey = newIdempotencyKey();
  }

  publishStatus.textContent = "";
  onDraftChanged();
  saveDraft();
});

// The server takes no line break in a headline: Enter publishes (or saves a correction), and a
// pasted line break becomes a space.
function headlineOnOneLine(headline) {
  headline.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      headline.form.requestSubmit();
    }
  });
  headline.addEventListener("input", () => {
    if (/[\r\n]/.test(headline.value)) {
      const at = headline.selectionStart;
      headline.value = headline.value.replace(/\r\n?|\n/g, " ");
      headline.setSelectionRange(at, at);
    }
  });
}

headlineOnOneLine($("headline"));

$("feed").addEventListener("change", () => {
  const feed = $("feed").value.trim();
  if (FEED_NAME.test(feed)) {
    setFieldError("feed", null);
    switchDraft(feed);
    startRecent();
  } else {
    setFieldError("feed", "A feed name is lowercase letters, digits and dashes, e.g. main or ukraine-war.");
  }
});

compose.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (publishing) {
    return;
  }

  const feed = $("feed").value.trim();
  const formError = $("compose-error");
  clearErrors("", [...FIELDS, "feed"], formError);
  if (!FEED_NAME.test(feed)) {
    setFieldError("feed", "A feed name is lowercase letters, digits and dashes, e.g. main or ukraine-war.");
    $("feed").focus();
    return;
  }

  if (feed !== draftFeed) {
    // The feed was changed and Publish pressed at once: its own unsent draft may come back first.
    const before = JSON.stringify(formDraft());
    switchDraft(feed);
    startRecent();
    if (JSON.stringify(formDraft()) !== before) {
      publishStatus.textContent = `Your unsent draft for ${feed} is back: check it, then publish.`;
      return;
    }
  }

  publishing = true;
  publishButton.disabled = true;
  publishButton.textContent = "Publishing…";
  publishStatus.textContent = "";
  try {
    const result = await send("POST", `/api/feeds/${feed}/items`, readItem(""), { "Idempotency-Key": draftKey });
    if (result.status === 201) {
      fillDraft(null);
      saveDraft();
      publishStatus.textContent = `Published to ${feed} at ${formatTime(new Date(result.value.publishedAt))}.`;
      $("headline").focus();
    } else if (result.status !== 401) {
      showProblem(result.problem, "", formError, [...FIELDS, "feed"]);
    }
  } finally {
    publishing = false;
    publishButton.disabled = false;
    publishButton.textContent = "Publish";
  }
});

// ---- Recent items: live, with Correct and Retract -----------------------------------

let recent = null; // { feed, column, connection }
const editing = new Set();

function startRecent() {
  const feed = $("feed").value.trim() || "main";
  if (recent?.feed === feed || !FEED_NAME.test(feed)) {
    return;
  }

  if (recent) {
    recent.connection.stop();
    recent.column.destroy();
    editing.clear();
  }

  const column = createFeedColumn($("recent"), {
    title: `Recent in ${feed}`,
    holdWhenScrolled: false,
    actions: (item) => itemActions(feed, item),
    isEditing: (id) => editing.has(id),
  });
  const connection = followFeed({
    server: "",
    feed,
    onReset: (items) => {
      editing.clear();
      column.reset(items);
    },
    onEvent: (event) => {
      if (event.kind === "retracted") {
        editing.delete(event.item.id);
      }

      column.apply(event);
    },
    onState: (state) => column.setState(state),
  });
  recent = { feed, column, connection };
}

function button(text, className, onClick) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = className;
  node.textContent = text;
  node.addEventListener("click", onClick);
  return node;
}

function itemActions(feed, item) {
  const bar = document.createElement("div");
  bar.className = "item-actions";
  bar.append(
    button("Correct", "quiet", () => startCorrection(feed, item.id)),
    button("Retract", "quiet danger", () => confirmRetraction(feed, item.id)),
  );
  return bar;
}

function field(prefix, name, label, control) {
  const wrapper = document.createElement("div");
  wrapper.className = "field";
  const labelNode = document.createElement("label");
  labelNode.htmlFor = `${prefix}${name}`;
  labelNode.textContent = label;
  control.id = `${prefix}${name}`;
  control.name = name;
  const error = document.createElement("p");
  error.className = "field-error";
  error.id = `${prefix}${name}-error`;
  error.hidden = true;
  control.setAttribute("aria-describedby", error.id);
  wrapper.append(labelNode, control, error);
  return wrapper;
}

function startCorrection(feed, id) {
  const item = recent.column.item(id);
  const entry = recent.column.entry(id);
  if (!item || !entry) {
    return;
  }

  editing.add(id);
  const prefix = `edit-${id}-`;
  const form = document.createElement("form");
  form.className = "edit-form";
  form.noValidate = true;
  form.method = "post";
  form.setAttribute("aria-label", "Correct this item");

  const title = document.createElement("p");
  title.className = "edit-title";
  title.textContent = "Correct this item";
  const formError = document.createElement("p");
  formError.className = "form-error";
  formError.setAttribute("role", "alert");
  formError.hidden = true;

  const headline = document.createElement("textarea");
  headline.rows = 2;
  headline.value = item.headline;
  headlineOnOneLine(headline);
  const body = document.createElement("textarea");
  body.rows = 3;
  body.value = item.body ?? "";
  const priority = document.createElement("select");
  for (const value of ["normal", "urgent", "flash"]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value[0].toUpperCase() + value.slice(1);
    priority.append(option);
  }

  priority.value = item.priority ?? "normal";
  const tags = document.createElement("input");
  tags.type = "text";
  tags.value = (item.tags ?? []).join(", ");
  const link = document.createElement("input");
  link.type = "url";
  link.value = item.link ?? "";

  const row = document.createElement("div");
  row.className = "field-row";
  row.append(field(prefix, "priority", "Priority", priority), field(prefix, "tags", "Tags", tags));
  const actions = document.createElement("div");
  actions.className = "actions";
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "primary";
  save.textContent = "Save correction";
  const cancel = button("Cancel", "quiet", () => {
    editing.delete(id);
    recent.column.redraw(id);
  });
  actions.append(save, cancel);

  form.append(title, formError, field(prefix, "headline", "Headline", headline), field(prefix, "body", "Body", body), row,
    field(prefix, "link", "Link", link), actions);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(prefix, FIELDS, formError);
    save.disabled = true;
    try {
      const result = await send("PUT", `/api/feeds/${feed}/items/${encodeURIComponent(id)}`, readItem(prefix));
      if (result.status === 200) {
        editing.delete(id);
        recent.column.apply({ kind: "corrected", item: result.value });
        recent.column.entry(id)?.querySelector("button")?.focus();
      } else if (result.status !== 401) {
        showProblem(result.problem, prefix, formError, FIELDS);
      }
    } finally {
      save.disabled = false;
    }
  });

  entry.replaceChildren(form);
  headline.focus();
}

function confirmRetraction(feed, id) {
  const entry = recent.column.entry(id);
  if (!entry || entry.querySelector(".confirm")) {
    return;
  }

  const box = document.createElement("div");
  box.className = "confirm";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Confirm retraction");
  const question = document.createElement("p");
  question.textContent = "Retract this item? Readers will no longer see it.";
  const error = document.createElement("p");
  error.className = "form-error";
  error.hidden = true;
  const yes = button("Yes, retract", "danger", async () => {
    yes.disabled = true;
    const result = await send("DELETE", `/api/feeds/${feed}/items/${encodeURIComponent(id)}`);
    if (result.status === 204 || result.status === 404) {
      const item = recent.column.item(id);
      if (item) {
        recent.column.apply({ kind: "retracted", item });
      }
    } else if (result.status !== 401) {
      error.textContent = [result.problem.title, result.problem.detail].filter(Boolean).join(". ");
      error.hidden = false;
      yes.disabled = false;
    }
  });
  const keep = button("Keep it", "quiet", () => {
    box.remove();
    entry.querySelector(".item-actions button.danger")?.focus();
  });
  box.append(question, error, yes, keep);
  entry.append(box);
  keep.focus();
}

// ---- Start ----------------------------------------------------------------------------

const lastFeed = readStored(FEED_STORAGE);
$("feed").value = FEED_NAME.test(lastFeed ?? "") ? lastFeed : "main";
switchDraft($("feed").value);
onDraftChanged();
setInterval(updatePreview, 30000); // the preview's time stays "now"
if (storedKey()) {
  showWorkspace();
} else {
  showKeyPanel();
}
