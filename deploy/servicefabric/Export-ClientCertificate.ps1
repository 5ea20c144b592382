<#
.SYNOPSIS
  The SetupEntryPoint of the sf-upload-exporter Service Fabric application: exports the client
  certificate named by thumbprint from LocalMachine\My into the application's work folder, as
  client.pfx with its passphrase in client.pfx.pass, both readable only by the exporter's account.

.DESCRIPTION
  Node.js cannot read the Windows certificate store, so the exporter reads the certificate from a
  PFX file (the tls keys pfx_file and passphrase_file of config.yaml, ../work/client.pfx relative to
  the Config package). Service Fabric runs this script before every start of the exporter, as
  LocalSystem (the RunAsPolicy with EntryPointType="Setup"), so a renewed certificate is picked up
  at the next start; the exporter also re-reads the files when they change.

  Environment (set by the application manifest's parameters and by Service Fabric):
    SF_UPLOAD_EXPORTER_CERT_THUMBPRINT  the certificate's thumbprint; empty: nothing to export
    SF_UPLOAD_EXPORTER_SERVICE_ACCOUNT  the account the exporter runs as (default NETWORK SERVICE)
    Fabric_Folder_App_Work              the application's work folder

  The private key must be exportable. A new random passphrase protects each export; the files are
  replaced by a rename, so the exporter never reads half of one.
#>
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

$thumbprint = ($env:SF_UPLOAD_EXPORTER_CERT_THUMBPRINT -replace '[\s:]', '').ToUpperInvariant()
if ($thumbprint -eq '') {
  Write-Output 'Export-ClientCertificate: no ClientCertificateThumbprint given; nothing to export'
  exit 0
}
if ($thumbprint -notmatch '^[0-9A-F]{40}$') {
  Write-Error "Export-ClientCertificate: ClientCertificateThumbprint must be 40 hexadecimal digits (SHA-1), got $($thumbprint.Length) characters"
  exit 1
}
$work = $env:Fabric_Folder_App_Work
if (-not $work -or -not (Test-Path -LiteralPath $work -PathType Container)) {
  Write-Error 'Export-ClientCertificate: Fabric_Folder_App_Work names no folder: run me as the SetupEntryPoint of the application'
  exit 1
}
$account = $env:SF_UPLOAD_EXPORTER_SERVICE_ACCOUNT
if (-not $account) { $account = 'NT AUTHORITY\NETWORK SERVICE' }

$cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$thumbprint" -ErrorAction SilentlyContinue
if (-not $cert) {
  Write-Error "Export-ClientCertificate: no certificate with thumbprint $thumbprint in LocalMachine\My"
  exit 1
}
if (-not $cert.HasPrivateKey) {
  Write-Error "Export-ClientCertificate: the certificate $thumbprint in LocalMachine\My has no private key"
  exit 1
}

# 32 random bytes as the passphrase: the exporter reads it from client.pfx.pass.
$random = New-Object byte[] 32
[System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($random)
$passphrase = [Convert]::ToBase64String($random)
try {
  $pfx = $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $passphrase)
} catch {
  Write-Error "Export-ClientCertificate: the private key of $thumbprint cannot be exported (it must be marked exportable): $($_.Exception.Message)"
  exit 1
}

# Each file is created empty, restricted to SYSTEM (which writes it) and the exporter's account,
# filled, then renamed over the old one: its content is never readable by anyone else.
function Write-Restricted([string] $path, [byte[]] $bytes) {
  $temporary = "$path.$([Guid]::NewGuid().ToString('N')).tmp"
  New-Item -ItemType File -Path $temporary -Force | Out-Null
  & icacls.exe $temporary /inheritance:r /grant:r '*S-1-5-18:(F)' "${account}:(R)" | Out-Null
  if ($LASTEXITCODE -ne 0) {
    Remove-Item -LiteralPath $temporary -Force
    throw "icacls could not restrict $temporary to $account (exit $LASTEXITCODE)"
  }
  [System.IO.File]::WriteAllBytes($temporary, $bytes)
  Move-Item -LiteralPath $temporary -Destination $path -Force
}

Write-Restricted (Join-Path $work 'client.pfx.pass') ([System.Text.Encoding]::ASCII.GetBytes($passphrase))
Write-Restricted (Join-Path $work 'client.pfx') $pfx
Write-Output "Export-ClientCertificate: exported $thumbprint ($($cert.Subject), valid until $($cert.NotAfter.ToString('u'))) to $work\client.pfx, readable by $account"
