// Page behaviour that templates ask for with data- attributes, so no page needs an inline script or an on…=""
// handler (the Content-Security-Policy allows scripts from our own static files only).
//   data-submit-on-change               on a field: submit its form when the value changes
//   data-toggles="ID" data-toggle-value="V"  on a field: show #ID while the value is V, hide it otherwise
//   data-clear="ID"                     on a button: empty #ID (closes a modal rendered into it)
//   data-pick-customer="PK" data-name   on a search result: put the customer into the feedback form
(function () {
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof Element)) return;
    if (field.hasAttribute("data-submit-on-change") && field.form) field.form.submit();
    var toggled = field.dataset.toggles && document.getElementById(field.dataset.toggles);
    if (toggled) toggled.classList.toggle("hidden", field.value !== field.dataset.toggleValue);
  });
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    var clear = event.target.closest("[data-clear]");
    if (clear) {
      var region = document.getElementById(clear.dataset.clear);
      if (region) region.innerHTML = "";
    }
    var pick = event.target.closest("[data-pick-customer]");
    if (pick) {
      var form = pick.closest("form");
      form.querySelector("[name=customer]").value = pick.dataset.pickCustomer;
      var selected = form.querySelector("#selected-customer");
      selected.classList.remove("hidden");
      selected.querySelector("strong").textContent = pick.dataset.name;
      document.getElementById("customer-results").innerHTML = "";
      form.querySelector("#customer-search").value = "";
    }
  });
})();
