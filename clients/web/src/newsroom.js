// The newsroom console (/newsroom): the key (kept in sessionStorage, never in a URL), the
// compose form with its live preview, and the feed's recent items, live, with Correct and
// Retract. Every error the server names a field for is shown beside that field.
// The feed and each feed's unsent draft are kept in localStorage (they outlive the tab, as a draft
// should outlive a crash); the key never is.
import { followFeed } from "./feed-connection.js";
import { createFeedColumn, renderItemContent } from "./feed-view.js";
import { countCharacters, formatCountdown, formatTime } from "./format.js";
import { FEED_NAME } from "./live-column.js";

const KEY_STORAGE = "livefeed.newsroomKey"; // sessionStorage
const FEED_STORAGE = "livefeed.console.feed"; // localStorage
const DRAFT_STORAGE = "livefeed.console.draft."; // localStorage, + the feed's name
const HEADLINE_MAX = 280;
const BODY_MAX = 4000;
const FIELDS = ["headline", "body", "priority", "tags", "link", "pinned", "keyEvent"];
const FLAGS = ["pinned", "keyEvent"]; // checkboxes

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

// Who the key is and where it may write (GET /api/newsroom/me), once the server said so.
let identity = null; // { name, feeds } or null

/**
 * Asks the server who `key` is: { identity } when it accepts it (identity null from a server that
 * cannot say), { message } when it does not or cannot be asked.
 */
async function checkKey(key) {
  let response;
  try {
    response = await fetch("/api/newsroom/me", { headers: { Authorization: `Bearer ${key}` }, cache: "no-store" });
  } catch {
    return { message: "The server could not be reached to check the key. Check the connection and try again." };
  }

  if (response.status === 401) {
    return { message: "The server did not accept this newsroom key. Check it and enter it again." };
  }

  if (response.status === 404) {
    return { identity: null }; // a server from before GET /api/newsroom/me: the first write checks the key
  }

  const me = response.ok ? await response.json().catch(() => null) : null;
  if (typeof me?.name !== "string" || !Array.isArray(me.feeds)) {
    return { message: `The server could not check the key (it answered ${response.status}). Try again in a moment.` };
  }

  return { identity: { name: me.name, feeds: me.feeds } };
}

/** Whether a feed pattern of the key's scope (`ukraine`, `sport-*`, `*`) covers `feed`. */
function patternCovers(pattern, feed) {
  const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${source}$`).test(feed);
}

function showIdentity(me) {
  identity = me;
  const scope = !me ? null : me.feeds.includes("*") ? "every feed" : me.feeds.join(", ");
  $("key-name").textContent = me ? `Signed in as ${me.name}` : "Signed in with a newsroom key";
  $("key-scope").textContent = scope ? `May write to ${scope}` : "";
  $("key-scope").hidden = !scope;
  $("feed-list").replaceChildren(...(me?.feeds ?? []).filter((feed) => !feed.includes("*")).map((feed) => {
    const option = document.createElement("option");
    option.value = feed;
    return option;
  }));
  checkFeedScope();
}

/** Says beside the feed when the key may not write to it (the server would refuse with 403). */
function checkFeedScope() {
  const feed = $("feed").value.trim();
  const outside = identity && FEED_NAME.test(feed) && !identity.feeds.some((pattern) => patternCovers(pattern, feed));
  setFieldError("feed", outside ? `The key ${identity.name} may not write to ${feed}: it may write to ${identity.feeds.join(", ")}.` : null);
}

keyForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("key").value.trim();
  if (!key) {
    setFieldError("key", "Enter the newsroom key you were given.");
    return;
  }

  const submit = keyForm.querySelector("button[type=submit]");
  submit.disabled = true;
  submit.textContent = "Checking…";
  try {
    const { identity: me, message } = await checkKey(key);
    if (message) {
      setFieldError("key", message);
      $("key").focus();
      return;
    }

    sessionStorage.setItem(KEY_STORAGE, key);
    setFieldError("key", null);
    showIdentity(me);
    showWorkspace();
    $("headline").focus();
  } finally {
    submit.disabled = false;
    submit.textContent = "Use this key";
  }
});

$("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_STORAGE);
  showIdentity(null);
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
    return { status: response.status, value: json, etag: response.headers.get("ETag") };
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
    pinned: $(`${prefix}pinned`).checked,
    keyEvent: $(`${prefix}keyEvent`).checked,
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

const DRAFT_FIELDS = [...FIELDS, "publishAt"];
const fieldValue = (input) => (input.type === "checkbox" ? input.checked : input.value);
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
  return Object.fromEntries(DRAFT_FIELDS.map((name) => [name, fieldValue($(name))]));
}

function isEmptyDraft(draft) {
  return !draft || DRAFT_FIELDS.every((name) => name === "priority" ? draft[name] === "normal" : !(FLAGS.includes(name) ? draft[name] : draft[name]?.trim()));
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
    if (FLAGS.includes(name)) {
      $(name).checked = draft?.[name] === true;
    } else {
      $(name).value = draft?.[name] ?? (name === "priority" ? "normal" : "");
    }
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

// "Schedule" when the draft has a time to go out at.
function updatePublishLabel() {
  publishButton.textContent = $("publishAt").value ? "Schedule" : "Publish";
}

/** A datetime-local input's value (the editor's local time) as a UTC timestamp, and back. */
function isoFromInput(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function onDraftChanged() {
  updatePublishLabel();
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
    checkFeedScope();
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
  clearErrors("", [...DRAFT_FIELDS, "feed"], formError);
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
    const at = $("publishAt").value;
    const body = at ? { ...readItem(""), publishAt: isoFromInput(at) } : readItem("");
    const result = await send("POST", `/api/feeds/${feed}/items`, body, { "Idempotency-Key": draftKey });
    if (result.status === 202) {
      fillDraft(null);
      saveDraft();
      publishStatus.textContent = `Scheduled for ${formatTime(new Date(result.value.publishAt))} in ${feed}.`;
      scheduled?.refresh();
      $("headline").focus();
    } else if (result.status === 201) {
      fillDraft(null);
      saveDraft();
      publishStatus.textContent = `Published to ${feed} at ${formatTime(new Date(result.value.publishedAt))}.`;
      $("headline").focus();
    } else if (result.status !== 401) {
      showProblem(result.problem, "", formError, [...DRAFT_FIELDS, "feed"]);
    }
  } finally {
    publishing = false;
    publishButton.disabled = false;
    updatePublishLabel();
  }
});

// ---- Recent items: live, with Correct and Retract -----------------------------------

let recent = null; // { feed, column, connection }
let scheduled = null; // { refresh, stop }
let audience = null; // { stop }
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

      if (column.apply(event)) {
        connection.refreshHighlights();
      }
    },
    onState: (state) => column.setState(state),
    onHighlights: (highlights) => column.showHighlights(highlights),
  });
  recent = { feed, column, connection };
  scheduled?.stop();
  scheduled = followScheduled(feed);
  audience?.stop();
  audience = followAudience(feed);
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
    button("History", "quiet", () => showHistory(feed, item.id)),
  );
  return bar;
}

const itemPath = (feed, id) => `/api/feeds/${feed}/items/${encodeURIComponent(id)}`;

/** The item as it stands now, with its version (ETag): what a correction or retraction starts from. */
async function currentVersion(feed, id) {
  const result = await send("GET", itemPath(feed, id));
  return result.status === 200 ? { item: result.value, etag: result.etag } : { problem: result.problem, status: result.status };
}

const FIELD_LABELS = { headline: "Headline", body: "Body", priority: "Priority", tags: "Tags", link: "Link", pinned: "Pinned", keyEvent: "Key event" };

function describeValue(name, value) {
  if (name === "pinned" || name === "keyEvent") {
    return value ? "yes" : "no";
  }

  if (name === "tags") {
    return value?.length ? value.join(", ") : "none";
  }

  return value === null || value === undefined || value === "" ? "none" : String(value);
}

/** What differs between two versions of an item, field by field: [{ name, label, from, to }]. */
function changes(before, after) {
  return Object.keys(FIELD_LABELS)
    .filter((name) => describeValue(name, before?.[name] ?? null) !== describeValue(name, after?.[name] ?? null))
    .map((name) => ({ name, label: FIELD_LABELS[name], from: describeValue(name, before?.[name]), to: describeValue(name, after?.[name]) }));
}

function textElement(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** "anna, 3:05 PM": who made an item's latest change, and when. */
function lastChange(item) {
  if (item.retractedAt) {
    return { verb: "retracted", who: item.updatedBy ?? "a colleague", at: new Date(item.retractedAt) };
  }

  return item.updatedAt
    ? { verb: "corrected", who: item.updatedBy ?? "a colleague", at: new Date(item.updatedAt) }
    : { verb: "published", who: item.author, at: new Date(item.publishedAt) };
}

/**
 * The colleague's version beside the editor's draft, after a 412: who changed the item, when, what
 * they changed (from the version the editor started from), and their version as readers see it.
 */
function conflictView(base, theirs, { onApply, onDrop }) {
  const box = document.createElement("div");
  box.className = "conflict";
  box.setAttribute("role", "alert");
  const change = lastChange(theirs);
  box.append(textElement("p", "conflict-title",
    `${change.who} ${change.verb} this item at ${formatTime(change.at)} while you were editing. Your correction is not saved yet.`));
  const changed = changes(base, theirs);
  if (changed.length > 0) {
    const list = document.createElement("ul");
    list.className = "conflict-changes";
    list.setAttribute("aria-label", "What they changed");
    for (const { label, from, to } of changed) {
      list.append(textElement("li", "conflict-change", `${label}: “${from}” → “${to}”`));
    }

    box.append(list);
  }

  const sides = document.createElement("div");
  sides.className = "conflict-sides";
  const theirSide = document.createElement("section");
  theirSide.className = "conflict-theirs lf-root";
  theirSide.setAttribute("aria-label", "Their version");
  theirSide.append(textElement("p", "conflict-side-title", "Their version"), renderItemContent(document, theirs));
  sides.append(theirSide);
  box.append(sides);

  if (!theirs.retractedAt) {
    box.append(textElement("p", "hint", "Yours applied on top keeps their change of every field you left alone."));
  }

  const actions = document.createElement("div");
  actions.className = "actions";
  if (!theirs.retractedAt) {
    actions.append(button("Apply mine on top of theirs", "primary", onApply));
  }

  actions.append(button(theirs.retractedAt ? "Close" : "Drop mine, keep theirs", "quiet", onDrop));
  box.append(actions);
  return box;
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

/** Puts an item's content in the form fields `${prefix}headline` etc. */
function fillItemFields(prefix, item) {
  for (const name of FIELDS) {
    const input = $(`${prefix}${name}`);
    if (FLAGS.includes(name)) {
      input.checked = item[name] === true;
    } else {
      input.value = name === "tags" ? (item.tags ?? []).join(", ") : item[name] ?? (name === "priority" ? "normal" : "");
    }
  }
}

/** The item's pinned and key event checkboxes (ids `${prefix}pinned`, `${prefix}keyEvent`). */
function flagFields(prefix, item) {
  const row = document.createElement("div");
  row.className = "flags";
  for (const [name, label] of [["pinned", "Pin to the top"], ["keyEvent", "Key event"]]) {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = item[name] === true;
    const wrapper = field(prefix, name, label, box);
    wrapper.classList.add("check");
    wrapper.prepend(box);
    row.append(wrapper);
  }

  return row;
}

/**
 * A form with an item's fields (ids `${prefix}headline` ...), filled from `item`; with `publishAt`, a
 * scheduled item's time too. Saving is the caller's (the form's submit event).
 */
function itemForm(prefix, item, { title: titleText, saveLabel, onCancel, publishAt = false }) {
  const form = document.createElement("form");
  form.className = "edit-form";
  form.noValidate = true;
  form.method = "post";
  form.setAttribute("aria-label", titleText);

  const title = textElement("p", "edit-title", titleText);
  const formError = textElement("p", "form-error", "");
  formError.setAttribute("role", "alert");
  formError.hidden = true;

  const headline = document.createElement("textarea");
  headline.rows = 2;
  headlineOnOneLine(headline);
  const body = document.createElement("textarea");
  body.rows = 3;
  const priority = document.createElement("select");
  for (const value of ["normal", "urgent", "flash"]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value[0].toUpperCase() + value.slice(1);
    priority.append(option);
  }

  const tags = document.createElement("input");
  tags.type = "text";
  const link = document.createElement("input");
  link.type = "url";

  const row = document.createElement("div");
  row.className = "field-row";
  row.append(field(prefix, "priority", "Priority", priority), field(prefix, "tags", "Tags", tags));
  const actions = document.createElement("div");
  actions.className = "actions";
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "primary";
  save.textContent = saveLabel;
  const cancel = button("Cancel", "quiet", onCancel);
  actions.append(save, cancel);

  form.append(title, formError, field(prefix, "headline", "Headline", headline), field(prefix, "body", "Body", body), row,
    field(prefix, "link", "Link", link), flagFields(prefix, item));
  if (publishAt) {
    const at = document.createElement("input");
    at.type = "datetime-local";
    at.step = 1;
    at.value = localInputValue(new Date(item.publishAt));
    form.append(field(prefix, "publishAt", "Publish at", at));
  }

  form.append(actions);
  headline.value = item.headline;
  body.value = item.body ?? "";
  priority.value = item.priority ?? "normal";
  tags.value = (item.tags ?? []).join(", ");
  link.value = item.link ?? "";
  return { form, title, formError, save, cancel, headline };
}

async function startCorrection(feed, id) {
  const entry = recent.column.entry(id);
  if (!recent.column.item(id) || !entry || editing.has(id)) {
    return;
  }

  // The correction starts from the item as it stands now, and is sent with that version (If-Match):
  // a colleague's change made meanwhile is never overwritten unseen.
  editing.add(id);
  let base = await currentVersion(feed, id);
  if (!base.item) {
    editing.delete(id);
    if (base.status !== 401) {
      entry.append(textElement("p", "form-error", [base.problem.title, base.problem.detail].filter(Boolean).join(". ")));
    }

    return;
  }

  const prefix = `edit-${id}-`;
  const { form, title, formError, save, cancel, headline } = itemForm(prefix, base.item, {
    title: "Correct this item",
    saveLabel: "Save correction",
    onCancel: () => {
      editing.delete(id);
      recent.column.redraw(id);
    },
  });
  const done = (item) => {
    editing.delete(id);
    if (recent.column.apply({ kind: "corrected", item })) {
      recent.connection.refreshHighlights();
    }

    recent.column.entry(id)?.querySelector("button")?.focus();
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(prefix, FIELDS, formError);
    save.disabled = true;
    try {
      const result = await send("PUT", itemPath(feed, id), readItem(prefix), base.etag ? { "If-Match": base.etag } : {});
      if (result.status === 200) {
        done(result.value);
      } else if (result.status === 412 && result.problem.item) {
        // A colleague changed it meanwhile: their version beside this draft, which stays as it is.
        // Applying it on top keeps their change of every field this draft left alone.
        const started = base.item;
        const mine = changes(started, readItem(prefix)).map(({ name }) => name);
        const fresh = await currentVersion(feed, id);
        base = fresh.item ? fresh : { item: result.problem.item, etag: null };
        form.querySelector(".conflict")?.remove();
        const view = conflictView(started, base.item, {
          onApply: () => {
            const draft = readItem(prefix);
            fillItemFields(prefix, Object.fromEntries(FIELDS.map((name) => [name, mine.includes(name) ? draft[name] : base.item[name]])));
            form.requestSubmit();
          },
          onDrop: () => base.item.retractedAt ? cancel.click() : done(base.item),
        });
        title.after(view);
        view.querySelector("button").focus();
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
  // The retraction is of the version shown when it was asked for (If-Match): a colleague's
  // correction made meanwhile is shown first, and the question asked again.
  let version = null;
  currentVersion(feed, id).then((current) => {
    version = current.item ? current : null;
  });
  const yes = button("Yes, retract", "danger", async () => {
    yes.disabled = true;
    version ??= await currentVersion(feed, id);
    const result = await send("DELETE", itemPath(feed, id), undefined, version?.etag ? { "If-Match": version.etag } : {});
    if (result.status === 204 || result.status === 404) {
      const item = recent.column.item(id);
      if (item) {
        recent.column.apply({ kind: "retracted", item });
      }
    } else if (result.status === 412 && result.problem.item) {
      const theirs = result.problem.item;
      const change = lastChange(theirs);
      version = await currentVersion(feed, id);
      error.textContent = `${change.who} ${change.verb} this item at ${formatTime(change.at)} meanwhile: “${theirs.headline}”. Retract it as it is now?`;
      error.hidden = false;
      yes.disabled = false;
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

// ---- Scheduled items: listed soonest first, with a countdown; edit, cancel ------------

const SCHEDULED_POLL_MS = 15000;
const AUDIENCE_POLL_MS = 5000;

/** Whether the console is at work (a key, the workspace shown) and its tab is seen: worth asking the server. */
const atWork = () => Boolean(storedKey()) && !workspace.hidden && !document.hidden;

function followScheduled(feed) {
  const panel = $("scheduled");
  const list = $("scheduled-list");
  $("scheduled-title").textContent = `Scheduled in ${feed}`;
  panel.hidden = true;
  list.replaceChildren();
  let items = [];
  let stopped = false;
  const editingIds = new Set();
  const path = (id) => `/api/feeds/${feed}/scheduled/${encodeURIComponent(id)}`;

  async function refresh() {
    if (!atWork()) {
      return;
    }

    const result = await send("GET", `/api/feeds/${feed}/scheduled`);
    if (stopped || result.status !== 200) {
      return; // (404: a server that schedules nothing; the list stays hidden)
    }

    items = result.value.items;
    render();
  }

  function render() {
    const entries = new Map([...list.children].map((entry) => [entry.dataset.id, entry]));
    list.replaceChildren(...items.map((item) => (editingIds.has(item.id) && entries.get(item.id)) || entryFor(item)));
    panel.hidden = items.length === 0 && editingIds.size === 0;
    tick();
  }

  function entryFor(item) {
    const entry = document.createElement("li");
    entry.className = "scheduled-item";
    entry.dataset.id = item.id;
    const at = new Date(item.publishAt);
    const when = document.createElement("p");
    when.className = "scheduled-when";
    const countdown = textElement("strong", "countdown", "");
    countdown.dataset.at = at.toISOString();
    const time = document.createElement("time");
    time.dateTime = at.toISOString();
    time.textContent = formatTime(at);
    when.append(countdown, " · ", time);
    const bar = document.createElement("div");
    bar.className = "item-actions";
    bar.append(button("Edit", "quiet", () => edit(entry, item)), button("Cancel", "quiet danger", () => confirmCancel(entry, item)));
    entry.append(when, textElement("p", "scheduled-headline", item.headline), bar);
    return entry;
  }

  function tick() {
    const now = Date.now();
    let due = false;
    for (const countdown of list.querySelectorAll(".countdown")) {
      const left = new Date(countdown.dataset.at).getTime() - now;
      countdown.textContent = formatCountdown(left);
      due ||= left < -2000;
    }

    if (due) {
      refresh(); // it has gone out (and shows in the recent items)
    }
  }

  function gone(entry) {
    entry.replaceChildren(textElement("p", "form-error", "It has already gone out, or was cancelled by a colleague."));
    setTimeout(refresh, 3000);
  }

  function edit(entry, item) {
    editingIds.add(item.id);
    const prefix = `sched-${item.id}-`;
    const close = () => {
      editingIds.delete(item.id);
      refresh();
    };
    const { form, formError, save, headline } = itemForm(prefix, item, {
      title: "Edit this scheduled item", saveLabel: "Save", onCancel: close, publishAt: true,
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const fields = [...FIELDS, "publishAt"];
      clearErrors(prefix, fields, formError);
      save.disabled = true;
      try {
        const result = await send("PUT", path(item.id), { ...readItem(prefix), publishAt: isoFromInput($(`${prefix}publishAt`).value) });
        if (result.status === 200) {
          close();
        } else if (result.status === 404) {
          editingIds.delete(item.id);
          gone(entry);
        } else if (result.status !== 401) {
          showProblem(result.problem, prefix, formError, fields);
        }
      } finally {
        save.disabled = false;
      }
    });
    entry.replaceChildren(form);
    headline.focus();
  }

  function confirmCancel(entry, item) {
    if (entry.querySelector(".confirm")) {
      return;
    }

    editingIds.add(item.id);
    const box = document.createElement("div");
    box.className = "confirm";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Confirm cancelling");
    const error = textElement("p", "form-error", "");
    error.hidden = true;
    const yes = button("Yes, cancel it", "danger", async () => {
      yes.disabled = true;
      const result = await send("DELETE", path(item.id));
      editingIds.delete(item.id);
      if (result.status === 204) {
        refresh();
      } else if (result.status === 404) {
        gone(entry);
      } else if (result.status !== 401) {
        editingIds.add(item.id);
        error.textContent = [result.problem.title, result.problem.detail].filter(Boolean).join(". ");
        error.hidden = false;
        yes.disabled = false;
      }
    });
    const keep = button("Keep it", "quiet", () => {
      editingIds.delete(item.id);
      box.remove();
    });
    box.append(textElement("p", "", "Cancel this scheduled item? It will never go out."), error, yes, keep);
    entry.append(box);
    keep.focus();
  }

  refresh();
  const ticker = setInterval(tick, 1000);
  const poller = setInterval(refresh, SCHEDULED_POLL_MS);
  return {
    refresh,
    stop() {
      stopped = true;
      clearInterval(ticker);
      clearInterval(poller);
    },
  };
}

// ---- Audience: readers following the feed right now ---------------------------------

function followAudience(feed) {
  const shown = $("audience");
  shown.hidden = true;
  let stopped = false;
  async function poll() {
    if (!atWork()) {
      return;
    }

    const result = await send("GET", `/api/feeds/${feed}/audience`);
    if (stopped) {
      return;
    }

    if (result.status === 200) {
      const readers = result.value.readers;
      shown.textContent = `${readers.toLocaleString()} ${readers === 1 ? "reader" : "readers"} now`;
      shown.title = `Following ${feed} at ${formatTime(new Date(result.value.at))}, on every instance`;
      shown.hidden = false;
    } else {
      shown.hidden = true; // (404: a server that does not count; a passing error: shown again at the next answer)
    }
  }

  poll();
  const poller = setInterval(poll, AUDIENCE_POLL_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(poller);
    },
  };
}

// ---- History: who published, corrected, retracted, when ---------------------------

const HISTORY_VERBS = { published: "Published", corrected: "Corrected", retracted: "Retracted" };

async function showHistory(feed, id) {
  const entry = recent.column.entry(id);
  const open = entry?.querySelector(".history");
  if (!entry || open) {
    open?.remove();
    return;
  }

  const box = document.createElement("section");
  box.className = "history";
  box.setAttribute("aria-label", "History");
  box.append(textElement("p", "history-title", "History"), textElement("p", "hint", "Loading…"));
  entry.append(box);
  const result = await send("GET", `${itemPath(feed, id)}/history`);
  if (result.status === 401) {
    return;
  }

  if (result.status !== 200) {
    const why = result.status === 404 && !recent.column.item(id)
      ? "This item is no longer kept."
      : result.status === 404 ? "This server keeps no history of items." : [result.problem.title, result.problem.detail].filter(Boolean).join(". ");
    box.lastChild.replaceWith(textElement("p", "form-error", why));
    return;
  }

  const list = document.createElement("ol");
  list.className = "history-events";
  let before = null;
  for (const event of result.value.events) {
    const change = event.kind === "published" ? null : changes(before, event.item);
    const at = new Date(event.kind === "published" ? event.item.publishedAt : event.kind === "retracted" ? event.item.retractedAt : event.item.updatedAt);
    const line = document.createElement("li");
    line.className = "history-event";
    line.dataset.kind = event.kind;
    const when = document.createElement("time");
    when.dateTime = at.toISOString();
    when.textContent = formatTime(at);
    line.append(`${HISTORY_VERBS[event.kind] ?? event.kind} by ${event.by ?? event.item.author}, `, when);
    if (change?.length) {
      line.append(`: ${change.map(({ label, to }) => `${label.toLowerCase()} “${to}”`).join("; ")}`);
    }

    list.append(line);
    before = event.item;
  }

  box.lastChild.replaceWith(list.childElementCount > 0 ? list : textElement("p", "hint", "No events of this item are kept."));
}

// ---- Start ----------------------------------------------------------------------------

const lastFeed = readStored(FEED_STORAGE);
$("feed").value = FEED_NAME.test(lastFeed ?? "") ? lastFeed : "main";
switchDraft($("feed").value);
onDraftChanged();
setInterval(updatePreview, 30000); // the preview's time stays "now"
if (storedKey()) {
  // A key this tab was given: at work at once, and asked about (a key revoked since is sent back).
  showWorkspace();
  checkKey(storedKey()).then(({ identity: me, message }) => {
    if (message && /did not accept/.test(message)) {
      sessionStorage.removeItem(KEY_STORAGE);
      showKeyPanel(message);
    } else if (!message) {
      showIdentity(me);
    }
  });
} else {
  showKeyPanel();
}
