// The visit form asks for the position once, so the server can check the visit was near the home.
if (navigator.geolocation) {
  navigator.geolocation.getCurrentPosition(function (p) {
    document.getElementById("v-lat").value = p.coords.latitude.toFixed(6);
    document.getElementById("v-lng").value = p.coords.longitude.toFixed(6);
  }, function () {}, {timeout: 8000});
}
