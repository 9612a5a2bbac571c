package io.tourniquet.agent.backend.windows;

import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import java.util.regex.Pattern;

/**
 * The PowerShell scripts for the Windows actions of the closed vocabulary, and their inverses. Names are checked
 * against what Windows and IIS allow and quoted as PowerShell literals, so a definition can never smuggle script in.
 * Each script stops with a non-zero exit code on any error ($ErrorActionPreference = 'Stop').
 */
public final class WindowsActions {

    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9_.$-]{1,256}");
    private static final Pattern APP_POOL_NAME = Pattern.compile("[A-Za-z0-9 _.()-]{1,64}");
    private static final String STRICT = "$ErrorActionPreference = 'Stop'; ";

    private WindowsActions() {
    }

    /** Stops the service and keeps it from starting; prints its previous start type, which the inverse restores. */
    public static String disable(DisableService action) {
        String name = literal(action.getServiceName(), SERVICE_NAME, "service name");
        return STRICT + "$s = Get-Service -Name " + name + "; Write-Output $s.StartType; "
                + "Set-Service -Name " + name + " -StartupType Disabled; Stop-Service -Name " + name + " -Force; "
                + "if ((Get-Service -Name " + name + ").Status -ne 'Stopped') { exit 3 }";
    }

    public static String restore(DisableService action, String previousStartType) {
        String name = literal(action.getServiceName(), SERVICE_NAME, "service name");
        String startType = literal(previousStartType, Pattern.compile("Automatic|Manual|Disabled|Boot|System"), "start type");
        return STRICT + "Set-Service -Name " + name + " -StartupType " + startType + "; "
                + "if (" + startType + " -ne 'Disabled') { Start-Service -Name " + name + " }";
    }

    public static String disable(DisableAppPool action) {
        String name = literal(action.getAppPoolName(), APP_POOL_NAME, "app pool name");
        return STRICT + "Import-Module WebAdministration; "
                + "Set-ItemProperty -Path ('IIS:\\AppPools\\' + " + name + ") -Name autoStart -Value $false; "
                + "if ((Get-WebAppPoolState -Name " + name + ").Value -ne 'Stopped') { Stop-WebAppPool -Name " + name + " }";
    }

    public static String restore(DisableAppPool action) {
        String name = literal(action.getAppPoolName(), APP_POOL_NAME, "app pool name");
        return STRICT + "Import-Module WebAdministration; "
                + "Set-ItemProperty -Path ('IIS:\\AppPools\\' + " + name + ") -Name autoStart -Value $true; "
                + "Start-WebAppPool -Name " + name;
    }

    /** Exit code 0 when the service is stopped and disabled. */
    public static String check(DisableService action) {
        String name = literal(action.getServiceName(), SERVICE_NAME, "service name");
        return STRICT + "$s = Get-Service -Name " + name + "; if ($s.Status -ne 'Stopped' -or $s.StartType -ne 'Disabled') { exit 1 }";
    }

    /** Exit code 0 when the app pool is stopped and does not auto-start. */
    public static String check(DisableAppPool action) {
        String name = literal(action.getAppPoolName(), APP_POOL_NAME, "app pool name");
        return STRICT + "Import-Module WebAdministration; if ((Get-WebAppPoolState -Name " + name + ").Value -ne 'Stopped' -or "
                + "(Get-ItemProperty -Path ('IIS:\\AppPools\\' + " + name + ") -Name autoStart).Value) { exit 1 }";
    }

    /** A single-quoted PowerShell literal of a value that matched its pattern (so it holds no quote at all). */
    static String literal(String value, Pattern allowed, String what) {
        if (value == null || !allowed.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid " + what + " '" + value + "'");
        }
        return "'" + value + "'";
    }
}
