// The resource calendar: EventCalendar (static/vendor/event-calendar) draws the grid; the data and
// every change go through the JSON API (/api/v1/calendar) with the session. Times are the location's
// wall clock without an offset ("2026-12-14T10:00"); the server reads them in the location's zone.
// A refused move or resize snaps back and the reason (in the member's language) is announced.
// Others' changes appear by polling a fingerprint that carries no personal data.
(() => {
  "use strict";
  const configEl = document.getElementById("calendar-config");
  const app = document.getElementById("calendar-app");
  if (!configEl || !app || !window.EventCalendar) return;
  const cfg = JSON.parse(configEl.textContent);
  const text = cfg.text;
  const statusEl = document.getElementById("cal-status");
  const alertEl = document.getElementById("cal-alert");
  const titleEl = document.getElementById("cal-title");
  const monthEl = document.getElementById("cal-month");
  const staffSelect = document.getElementById("cal-staff");
  const dayInput = document.getElementById("cal-day");
  const POLL_MS = 4000;
  const PHONE = window.matchMedia("(max-width: 700px)");

  let view = cfg.view;
  let date = cfg.date;
  let fingerprint = null;
  let busy = 0; // a drag or a request in flight: polling waits
  let resources = [];
  let scrolledToNow = false;

  const pad = (n) => String(n).padStart(2, "0");
  // A Date from the grid (the location's wall clock) as "YYYY-MM-DDTHH:MM:00", no offset.
  const wall = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00`;
  const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const parseDay = (s) => { const [y, m, d] = s.split("-").map(Number); return new Date(y, m - 1, d); };
  const hhmm = (s) => s.slice(11, 16);

  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(path, body) {
    const headers = {"X-Tilli-Organization": cfg.organization, "Accept": "application/json"};
    const init = {headers, credentials: "same-origin"};
    if (body !== undefined) {
      init.method = "POST";
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrf();
      init.body = JSON.stringify(body);
    }
    const response = await fetch(cfg.api + path, init);
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    return {ok: response.ok, status: response.status, data};
  }

  function say(message) {
    alertEl.textContent = "";
    statusEl.textContent = message;
  }
  function warn(message) {
    statusEl.textContent = "";
    alertEl.textContent = message;
  }

  function query() {
    if (view === "week") return `/week?staff=${staffSelect.value}&date=${date}`;
    return `/day?location=${cfg.location}&date=${date}`;
  }
  function pollQuery() {
    if (view === "week") return `/fingerprint?staff=${staffSelect.value}&date=${date}`;
    return `/fingerprint?location=${cfg.location}&date=${date}`;
  }

  function label(a) {
    const who = a.client_name === null ? "" : `, ${a.client_name}`;
    return `${hhmm(a.start_local)}–${hhmm(a.end_local)}, ${a.service}${who}, ${a.state_label}`;
  }

  function toEvents(data) {
    const events = [];
    for (const a of data.appointments) {
      events.push({
        id: String(a.id), resourceId: String(a.resource_id), start: a.start_local, end: a.end_local,
        title: a.service, startEditable: a.editable, durationEditable: a.resizable,
        classNames: ["cal-appt", `svc-${a.colour || "auto-" + (a.service_id % 8)}`, `state-${a.state}`],
        extendedProps: {appointment: a},
      });
      const shade = (start, end) => events.push({
        start, end, resourceId: String(a.resource_id), display: "background", classNames: ["cal-buffer"],
      });
      const startMs = new Date(a.start_local).getTime();
      const endMs = new Date(a.end_local).getTime();
      if (a.buffer_before_minutes) shade(new Date(startMs - a.buffer_before_minutes * 60000), new Date(startMs));
      if (a.buffer_after_minutes) shade(new Date(endMs), new Date(endMs + a.buffer_after_minutes * 60000));
    }
    for (const u of data.unavailable) {
      events.push({
        start: u.start_local, end: u.end_local, resourceId: String(u.resource_id), display: "background",
        classNames: [u.kind === "time_off" ? "cal-timeoff" : u.kind === "in_use" ? "cal-inuse" : "cal-closed"],
      });
    }
    return events;
  }

  // EventCalendar marks its grid up as an ARIA table whose rows hold non-row children, which screen
  // readers announce as a broken table. Its structure is dropped; what it carries stays reachable as
  // text: column names, and each appointment a button named by its visible text.
  const GRID_ROLES = "[role=table],[role=grid],[role=row],[role=rowgroup],[role=columnheader],[role=rowheader],[role=cell]";
  function plainRoles() {
    for (const el of app.querySelectorAll(GRID_ROLES)) el.removeAttribute("role");
    for (const el of app.querySelectorAll("[aria-colindex],[aria-rowindex],[aria-colcount],[aria-rowcount]")) {
      for (const name of ["aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount"]) el.removeAttribute(name);
    }
    if (app.firstElementChild && app.firstElementChild.hasAttribute("role")) app.firstElementChild.removeAttribute("role");
  }
  const settle = () => window.requestAnimationFrame(plainRoles);

  function shownResources() {
    if (PHONE.matches && view === "day") return resources.filter((r) => String(r.id) === staffSelect.value);
    return resources;
  }

  async function load({quiet = false} = {}) {
    if (view === "month") return loadMonth();
    busy += 1;
    try {
      const answer = await api(query());
      if (!answer.ok) { warn(answer.data?.message || text.failed); return; }
      const data = answer.data;
      fingerprint = data.fingerprint;
      resources = data.resources.map((r) => ({id: String(r.id), title: r.name, extendedProps: {kind: r.kind}}));
      ec.setOption("resources", shownResources());
      ec.setOption("events", toEvents(data));
      settle();
      if (!scrolledToNow && view === "day" && date === cfg.today) {  // today opens at the current time
        scrolledToNow = true;
        window.requestAnimationFrame(() => {
          const now = app.querySelector(".ec-now-indicator");
          if (now) now.scrollIntoView({block: "center"});
        });
      }
      if (!quiet) alertEl.textContent = "";
    } catch {
      warn(text.failed);
    } finally {
      busy -= 1;
    }
  }

  async function loadMonth() {
    const answer = await api(`/month?location=${cfg.location}&date=${date}`);
    if (!answer.ok) { warn(answer.data?.message || text.failed); return; }
    monthEl.replaceChildren(renderMonth(answer.data.days));
  }

  function renderMonth(days) {
    const table = document.createElement("table");
    table.className = "cal-month-table";
    const head = table.createTHead().insertRow();
    for (const name of text.weekdays) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      head.appendChild(th);
    }
    const body = table.createTBody();
    let row = body.insertRow();
    const first = parseDay(days[0].day);
    for (let i = 0; i < (first.getDay() + 6) % 7; i++) row.insertCell();
    for (const d of days) {
      const day = parseDay(d.day);
      if ((day.getDay() + 6) % 7 === 0 && row.cells.length) row = body.insertRow();
      const cell = row.insertCell();
      if (d.day === cfg.today) cell.classList.add("today");
      if (d.closed) cell.classList.add("closed");
      const link = document.createElement("a");
      link.href = `${cfg.pageUrl}?view=day&location=${cfg.location}&day=${d.day}`;
      link.className = "cal-month-day";
      link.textContent = String(day.getDate());
      cell.appendChild(link);
      link.setAttribute("aria-label", day.toLocaleDateString(cfg.locale, {weekday: "long", day: "numeric", month: "long"}));
      const info = document.createElement("span");
      info.className = "cal-month-info";
      if (d.closed) {
        info.textContent = text.holiday;
      } else {
        const name = document.createElement("span");
        name.className = "cal-month-label";
        name.textContent = `${text.appointments}: `;
        info.append(name, String(d.appointments));
      }
      cell.appendChild(info);
      if (!d.closed && d.working_minutes) {
        const meter = document.createElement("meter");
        meter.min = 0; meter.max = 100; meter.value = d.percent;
        meter.setAttribute("aria-label", `${text.load} ${d.percent} %`);
        meter.title = `${text.load} ${d.percent} %`;
        cell.appendChild(meter);
      }
    }
    return table;
  }

  async function change(info, path, body, okText) {
    busy += 1;
    try {
      const answer = await api(path, body);
      if (answer.ok) {
        say(okText);
        await load({quiet: true});
      } else {
        info.revert();
        warn(answer.data?.message || text.refused);
      }
    } catch {
      info.revert();
      warn(text.failed);
    } finally {
      busy -= 1;
    }
  }

  // A phone's seven week columns have room for "ma 7." but not for "ma 7.12.".
  function headerFormat() {
    return PHONE.matches ? {weekday: "short", day: "numeric"} : {weekday: "short", day: "numeric", month: "numeric"};
  }

  const isStaff = (resource) => !resource || resource.extendedProps?.kind === "staff";

  function moveTo(info) {
    if (!isStaff(info.newResource)) {  // a room or a device column: appointments belong to staff
      info.revert();
      warn(text.notStaff);
      return;
    }
    const body = {start: wall(info.event.start)};
    if (info.newResource) body.staff_id = Number(info.newResource.id);
    return change(info, `/appointments/${info.event.id}/move`, body, text.moved);
  }

  // Keyboard: Alt+ArrowUp/Down moves a focused appointment by 15 minutes, Alt+ArrowLeft/Right to the
  // neighbouring staff column (or day in the week view); Enter opens it. The same API call as a drag.
  function onKey(event, ecEvent) {
    const a = ecEvent.extendedProps.appointment;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      window.location.href = a.url;
      return;
    }
    if (!event.altKey || !a.editable || !event.key.startsWith("Arrow")) return;
    event.preventDefault();
    const start = new Date(a.start_local);
    const body = {};
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      start.setMinutes(start.getMinutes() + (event.key === "ArrowUp" ? -15 : 15));
    } else if (view === "week") {
      start.setDate(start.getDate() + (event.key === "ArrowLeft" ? -1 : 1));
    } else {
      const staffColumns = shownResources().filter(isStaff).map((r) => r.id);
      const next = staffColumns[staffColumns.indexOf(String(a.resource_id)) + (event.key === "ArrowLeft" ? -1 : 1)];
      if (!next) return;
      body.staff_id = Number(next);
    }
    body.start = wall(start);
    const id = a.id;
    change({revert() {}}, `/appointments/${id}/move`, body, text.moved).then(() => {
      const again = app.querySelector(`[data-appointment="${id}"]`);
      if (again) again.focus();
    });
  }

  const ec = window.EventCalendar.create(app, {
    view: view === "week" ? "timeGridWeek" : "resourceTimeGridDay",
    date,
    locale: cfg.locale,
    timeZone: cfg.utcOffset,
    firstDay: 1,
    headerToolbar: {start: "", center: "", end: ""},
    allDaySlot: false,
    slotMinTime: cfg.slotMinTime,
    slotMaxTime: cfg.slotMaxTime,
    slotDuration: "00:30",
    slotHeight: 32,
    snapDuration: "00:15",
    scrollTime: `${pad(Math.max(0, new Date().getHours() - 1))}:00`,
    nowIndicator: true,
    height: "auto",
    editable: cfg.canBook,
    eventStartEditable: cfg.canBook,
    eventDurationEditable: cfg.canBook,
    longPressDelay: 300,
    eventLongPressDelay: 300,
    slotLabelFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
    eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
    dayHeaderFormat: headerFormat(),
    resources: [],
    events: [],
    eventContent(info) {
      const a = info.event.extendedProps.appointment;
      if (!a) return "";
      const box = document.createElement("div");
      box.className = "cal-appt-body";
      const time = document.createElement("span");
      time.className = "cal-appt-time";
      const end = document.createElement("span");
      end.className = "cal-appt-end";  // dropped in narrow columns: the start is what one scans for
      end.textContent = `–${hhmm(a.end_local)}`;
      time.append(hhmm(a.start_local), end);
      const state = document.createElement("span");
      state.className = "cal-appt-state";
      state.textContent = a.state_label;
      const head = document.createElement("span");
      head.className = "cal-appt-head";
      head.append(time, " ", state);
      const service = document.createElement("strong");
      service.textContent = a.service;
      const who = document.createElement("span");
      who.className = "cal-appt-client";
      who.textContent = a.client_name === null ? text.noClient : a.client_name;
      const what = document.createElement("span");
      what.append(service, " · ", who);
      box.append(head, what);
      return {domNodes: [box]};
    },
    eventDidMount(info) {
      const a = info.event.extendedProps.appointment;
      if (!a) { info.el.setAttribute("aria-hidden", "true"); return; }
      info.el.tabIndex = 0;
      info.el.setAttribute("role", "button");
      info.el.dataset.appointment = String(a.id);
      info.el.title = label(a);
      if (a.editable) info.el.setAttribute("aria-describedby", "cal-help");
      info.el.addEventListener("keydown", (event) => onKey(event, info.event));
    },
    eventClick(info) {
      const a = info.event.extendedProps.appointment;
      if (a) window.location.href = a.url;
    },
    dateClick(info) {
      if (!cfg.canBook || !isStaff(info.resource)) return;
      const staffId = info.resource ? info.resource.id : staffSelect.value;
      const start = info.date;
      const params = new URLSearchParams({staff: staffId, day: isoDay(start), at: wall(start)});
      window.location.href = `${cfg.newUrl}?${params}`;
    },
    eventDragStart() { busy += 1; },
    eventDragStop() { busy -= 1; },
    eventResizeStart() { busy += 1; },
    eventResizeStop() { busy -= 1; },
    eventDrop: moveTo,
    eventResize(info) {
      return change(info, `/appointments/${info.event.id}/resize`, {end: wall(info.event.end)}, text.resized);
    },
    datesSet(info) {
      titleEl.textContent = info.view.title;
      settle();
    },
  });

  function show() {
    const month = view === "month";
    app.hidden = month;
    monthEl.hidden = !month;
    document.getElementById("cal-view").value = view;
    for (const button of document.querySelectorAll("[data-view]")) {
      const on = button.dataset.view === view;
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("secondary", !on);
    }
    document.body.dataset.calendarView = view;
    if (month) {
      const d = parseDay(date);
      titleEl.textContent = d.toLocaleDateString(cfg.locale, {month: "long", year: "numeric"});
    } else {
      ec.setOption("view", view === "week" ? "timeGridWeek" : "resourceTimeGridDay");
      ec.setOption("date", date);
    }
    dayInput.value = date;
    const bookDay = document.getElementById("cal-book-day");
    if (bookDay) bookDay.value = date;
    const url = new URL(window.location.href);
    url.search = new URLSearchParams({view, location: cfg.location, staff: staffSelect.value, day: date}).toString();
    window.history.replaceState(null, "", url);
    return load();
  }

  document.querySelectorAll("[data-view]").forEach((button) => button.addEventListener("click", (event) => {
    event.preventDefault();
    view = button.dataset.view;
    show();
  }));
  document.querySelectorAll("[data-step]").forEach((button) => button.addEventListener("click", () => {
    const step = Number(button.dataset.step);
    if (step === 0) {
      date = cfg.today;
    } else {
      const d = parseDay(date);
      if (view === "month") d.setMonth(d.getMonth() + step, 1);
      else d.setDate(d.getDate() + step * (view === "week" ? 7 : 1));
      date = isoDay(d);
    }
    show();
  }));
  staffSelect.addEventListener("change", () => {
    if (view === "week") show();
    else { ec.setOption("resources", shownResources()); settle(); }
    const book = document.getElementById("cal-book");
    if (book) book.href = `${cfg.newUrl}?staff=${staffSelect.value}&day=${date}`;
    const bookStaff = document.getElementById("cal-book-staff");
    if (bookStaff) bookStaff.value = staffSelect.value;
  });
  document.getElementById("cal-controls").addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.dataset.view) return;
    event.preventDefault();
    if (dayInput.value) date = dayInput.value;
    show();
  });
  PHONE.addEventListener("change", () => {
    ec.setOption("resources", shownResources());
    ec.setOption("dayHeaderFormat", headerFormat());
    settle();
  });
  // The phone's quick switch: the previous or next staff member's column, wrapping around.
  document.querySelectorAll("[data-staff-step]").forEach((button) => button.addEventListener("click", () => {
    const count = staffSelect.options.length;
    staffSelect.selectedIndex = (staffSelect.selectedIndex + Number(button.dataset.staffStep) + count) % count;
    staffSelect.dispatchEvent(new Event("change"));
  }));

  async function poll() {
    if (document.hidden || busy || view === "month" || fingerprint === null) return;
    try {
      const answer = await api(pollQuery());
      if (answer.ok && answer.data.fingerprint !== fingerprint && !busy) {
        await load({quiet: true});
        say(text.updated);
      }
    } catch {
      // offline for a moment: the next poll tries again
    }
  }
  window.setInterval(poll, POLL_MS);
  show();
})();
