// The address bar always holds what the page shows, so a reload or a shared link opens the same view.
//   form[data-url-state]                 the page's filter form (templatetag url_state_form). With hx-get, htmx reloads
//                                        its target and pushes the form's full state; without, a change reloads the page.
//   data-state-name="N" data-state-value="V"
//                                        on a control outside the form (trend period, tabs): clicking it sets the
//                                        form's field N to V; with hx-get the URL follows once its response arrives,
//                                        otherwise the page reloads with the whole state.
(function () {
  function stateForm() {
    return document.querySelector("form[data-url-state]");
  }

  function stateUrl(form) {
    var query = new URLSearchParams(new FormData(form)).toString();
    return (form.getAttribute("action") || window.location.pathname) + (query ? "?" + query : "");
  }

  function setField(form, name, value) {
    var field = form.elements.namedItem(name);
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = name;
      form.appendChild(field);
    }
    field.value = value;
  }

  // A cached snapshot would bring back the HTML as first rendered, i.e. the fields as they were before the user
  // changed them, beside the numbers of the restored state; fetching the page again renders both from the URL.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) window.htmx.config.historyCacheSize = 0;
  });

  // A search box reloads on input (after a pause in typing); its change event on leaving the box would reload once
  // more, and that late request could overtake a pager click made in the same moment and push the wrong page.
  document.addEventListener(
    "change",
    function (event) {
      var box = event.target;
      if (box instanceof HTMLInputElement && box.type === "search" && box.form && box.form.hasAttribute("hx-get") &&
          box.form.hasAttribute("data-url-state")) event.stopPropagation();
    },
    true
  );

  document.addEventListener("change", function (event) {
    var form = event.target instanceof Element && event.target.form;
    if (form && form.hasAttribute("data-url-state") && !form.hasAttribute("hx-get")) form.submit();
  });

  document.addEventListener("click", function (event) {
    var control = event.target instanceof Element && event.target.closest("[data-state-name]");
    var form = control && stateForm();
    if (!form || control.hasAttribute("hx-get")) return;
    event.preventDefault();
    setField(form, control.dataset.stateName, control.dataset.stateValue || "");
    window.location.assign(stateUrl(form));
  });

  // Before the swap, because the swap may replace the control itself (the trend toggle lives in the region it
  // reloads) and a detached element's later events never reach the document.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var control = event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;  // elt is the target
    var form = stateForm();
    if (!form || event.detail.isError || !control.hasAttribute || !control.hasAttribute("data-state-name")) return;
    setField(form, control.dataset.stateName, control.dataset.stateValue || "");
    window.history.pushState({ htmx: true }, "", stateUrl(form));
  });
})();
