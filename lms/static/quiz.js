// Progressive enhancement: autosave quiz answers as the learner goes. The form works without it.
(function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("autosave-status");
  var timer = null;
  function save() {
    var data = new FormData(form);
    data.set("action", "save");
    // form.action would return the <button name="action">, not the URL
    fetch(form.getAttribute("action"), {method: "POST", body: data, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (status && j && j.saved) status.textContent = status.dataset.saved || "\u2713"; })
      .catch(function () {});
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 400); });
})();
