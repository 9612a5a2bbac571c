<#
  Installs, upgrades or removes the Tourniquet agent on a Windows Exchange server (IIS), as a WinSW service.

    install.ps1 -Action install -From DIST -Config agent.properties -Keys DIR -KafkaCa ca.crt -Policy URL [-Issuer URL]
    install.ps1 -Action upgrade -From DIST
    install.ps1 -Action uninstall [-Purge]

  DIST holds agent\ (the applier-agent's quarkus-app), cli\ (cli.jar and lib\) and tourniquet-agent.exe (WinSW).
  install enrols the server: an MSP administrator signs in on their own device (OAuth device grant; nothing secret is
  typed on this server), the agent's key is made here, only its public half goes to the policy service, and the
  sign-in is forgotten. Run from an elevated PowerShell; needs a Java 17+ runtime on PATH.
#>
param(
  [Parameter(Mandatory)][ValidateSet('install', 'upgrade', 'uninstall')][string]$Action,
  [string]$From, [string]$Config, [string]$Keys, [string]$KafkaCa, [string]$Policy, [string]$Issuer,
  [switch]$Purge
)
$ErrorActionPreference = 'Stop'
$Program = Join-Path $env:ProgramFiles 'Tourniquet Agent'
$Data = Join-Path $env:ProgramData 'Tourniquet'
$Service = Join-Path $Program 'tourniquet-agent.exe'

function Restrict-ToAdministrators([string]$Path) {
  # the configuration holds the agent's Kafka credential, the state its signing key: SYSTEM and Administrators only
  icacls $Path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
}

function Copy-Distribution {
  foreach ($part in 'agent\quarkus-run.jar', 'cli\cli.jar', 'tourniquet-agent.exe') {
    if (-not (Test-Path (Join-Path $From $part))) { throw "-From $From holds no $part" }
  }
  $next = "$Program.new"
  if (Test-Path $next) { Remove-Item -Recurse -Force $next }
  New-Item -ItemType Directory $next | Out-Null
  Copy-Item -Recurse (Join-Path $From 'agent'), (Join-Path $From 'cli') $next
  Copy-Item (Join-Path $From 'tourniquet-agent.exe'), (Join-Path $PSScriptRoot 'tourniquet-agent.xml') $next
  if (Test-Path $Program) { Remove-Item -Recurse -Force $Program }
  Move-Item $next $Program
}

function Get-Setting([string]$Key) {
  (Get-Content (Join-Path $Data 'agent.properties') | Where-Object { $_ -match "^$([regex]::Escape($Key))=" } | Select-Object -Last 1) -replace '^[^=]*=', ''
}

function Invoke-Cli {
  & java -cp "$Program\cli\cli.jar;$Program\cli\lib\*" io.tourniquet.cli.Cli @args
  if ($LASTEXITCODE -ne 0) { throw "tourniquet $($args[0]) failed ($LASTEXITCODE)" }
}

switch ($Action) {
  'install' {
    if (-not ($From -and $Config -and $Keys -and $KafkaCa -and $Policy)) { throw 'install needs -From, -Config, -Keys, -KafkaCa and -Policy' }
    if (Test-Path (Join-Path $Data 'agent.properties')) { throw "$Data\agent.properties exists: this server is installed (upgrade, or uninstall -Purge first)" }
    Copy-Distribution
    New-Item -ItemType Directory -Force (Join-Path $Data 'keys'), (Join-Path $Data 'state'), (Join-Path $Data 'logs') | Out-Null
    Restrict-ToAdministrators $Data
    Copy-Item $Config (Join-Path $Data 'agent.properties')
    Copy-Item (Join-Path $Keys 'policy-signing.pub'), (Join-Path $Keys 'feed-publisher.pub') (Join-Path $Data 'keys')
    Copy-Item $KafkaCa (Join-Path $Data 'kafka-ca.crt')
    $tenant = Get-Setting 'tourniquet.agent.tenant'; $server = Get-Setting 'tourniquet.agent.servers'
    $signInHome = Join-Path $env:TEMP ('tourniquet-enrol-' + [guid]::NewGuid())
    New-Item -ItemType Directory $signInHome | Out-Null
    $env:TOURNIQUET_HOME = $signInHome
    try {
      Write-Host "Enrolling $server of ${tenant}: an MSP administrator signs in on their own device."
      if ($Issuer) { Invoke-Cli login --issuer $Issuer } else { Invoke-Cli login }
      Invoke-Cli agent enroll --tenant $tenant --server $server --state-dir (Join-Path $Data 'state') --policy $Policy
      Invoke-Cli logout
    } finally {
      Remove-Item -Recurse -Force $signInHome; Remove-Item Env:TOURNIQUET_HOME
    }
    & $Service install; & $Service start
    Write-Host "Installed and started; its log is in $Data\logs."
  }
  'upgrade' {
    if (-not $From) { throw 'upgrade needs -From' }
    # what is applied and the server's key stay: the new agent reads the same state and does not apply twice
    & $Service stop
    Copy-Distribution
    & $Service start
    Write-Host 'Upgraded; configuration and state kept.'
  }
  'uninstall' {
    if (Test-Path $Service) { & $Service stop; & $Service uninstall }
    if (Test-Path $Program) { Remove-Item -Recurse -Force $Program }
    if ($Purge) {
      Remove-Item -Recurse -Force $Data
      Write-Host 'Removed with its configuration and state. The rules it put in web.config stay: remove the Tourniquet rules in IIS Manager (URL Rewrite), and unenrol the server in the policy service.'
    } else {
      Write-Host "Removed the agent; its configuration and state ($Data) and the mitigations in web.config stay: an emergency mitigation keeps protecting the server."
    }
  }
}
