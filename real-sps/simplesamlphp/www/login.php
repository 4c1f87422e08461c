<?php
// SP-initiated sign-on: SimpleSAMLphp's requireAuth sends the browser to the IdP, then back
// to /me.php.
require_once '/usr/share/simplesamlphp/lib/_autoload.php';
$as = new \SimpleSAML\Auth\Simple('default-sp');
$as->requireAuth(['ReturnTo' => getenv('SP_BASE_URL') . '/me.php']);
header('Location: /me.php', true, 303);
