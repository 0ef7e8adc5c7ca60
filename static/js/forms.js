// Behaviour the pages declare with data attributes, so that no template needs an inline handler (the
// Content-Security-Policy allows scripts from our own files only):
//   <select data-autosubmit>        submits its form when the choice changes;
//   <form data-confirm="question">  asks before it is sent.
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });
})();

// <span class="dot" data-color="#d33">: a colour that comes from data (a care risk level's), set through the DOM
// since a style attribute in the markup is refused by the policy.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-color]").forEach(function (el) {
    el.style.backgroundColor = el.getAttribute("data-color");
  });
});
