<?php
// The protected page: who this browser is signed in as (JSON: name_id, attributes), or a
// redirect to sign in.
require_once '/usr/share/simplesamlphp/lib/_autoload.php';
$as = new \SimpleSAML\Auth\Simple('default-sp');
if (!$as->isAuthenticated()) {
    header('Location: /login.php', true, 302);
    exit;
}
$nameId = $as->getAuthData('saml:sp:NameID');
header('Content-Type: application/json');
echo json_encode([
    'name_id' => $nameId === null ? null : $nameId->getValue(),
    'attributes' => $as->getAttributes(),
]);
