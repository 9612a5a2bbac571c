package io.tourniquet.agent.backend.windows;

import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.SetAuthentication;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The PowerShell scripts for the Windows actions of the closed vocabulary, and their inverses. Names are checked
 * against what Windows and IIS allow and quoted as PowerShell literals, so a definition can never smuggle script in.
 * Each script stops with a non-zero exit code on any error ($ErrorActionPreference = 'Stop'). IIS settings are
 * written to applicationHost.config (MACHINE/WEBROOT/APPHOST) at the virtual directory's location.
 */
public final class WindowsActions {

    /**
     * One action as scripts: the change (whose first output line is the previous value, where there is one), the
     * check that it is in force (exit 0), and the restore of a previous value. {@code task} says what the change does
     * ("disable service X"), {@code target} what it changes, {@code key} names the previous value kept for removal.
     */
    public record Step(String task, String target, String key, String change, String check, UnaryOperator<String> restore,
            String defaultPrevious) {
    }

    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9_.$-]{1,256}");
    private static final Pattern APP_POOL_NAME = Pattern.compile("[A-Za-z0-9 _.()-]{1,64}");
    static final Pattern SITE_NAME = Pattern.compile("[A-Za-z0-9 _.()-]{1,64}");
    private static final Pattern VIRTUAL_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){1,8}");
    private static final Set<String> AUTHENTICATION_METHODS = Set.of("anonymousAuthentication", "basicAuthentication",
            "windowsAuthentication", "digestAuthentication", "clientCertificateMappingAuthentication",
            "iisClientCertificateMappingAuthentication");
    private static final String STRICT = "$ErrorActionPreference = 'Stop'; ";
    private static final String IIS = STRICT + "Import-Module WebAdministration; ";
    private static final String APPHOST = "-PSPath 'MACHINE/WEBROOT/APPHOST' ";
    private static final String DENY_ALL = "system.webServer/security/authorization/add[@accessType='Deny' and @users='*']";

    private WindowsActions() {
    }

    /** The scripts of any Windows action; IllegalArgumentException for a name that is not allowed or an action that is not one. */
    public static Step of(Object action) {
        if (action instanceof DisableService s) {
            return new Step("disable service " + s.getServiceName(), "service " + s.getServiceName(), "service." + s.getServiceName(),
                    disable(s), check(s), previous -> restore(s, previous), "Automatic");
        }
        if (action instanceof DisableAppPool p) {
            return new Step("disable app pool " + p.getAppPoolName(), "app pool " + p.getAppPoolName(), "app-pool." + p.getAppPoolName(),
                    disable(p), check(p), previous -> restore(p), "");
        }
        if (action instanceof DisableVirtualDirectory v) {
            String location = location(v.getSite(), v.getPath());
            return new Step("deny every request to " + location, "virtual directory " + location, "vdir." + location,
                    disable(v), check(v), previous -> restore(v, previous), "absent");
        }
        if (action instanceof SetAuthentication a) {
            String location = location(a.getSite(), a.getPath());
            return new Step("set " + a.getMethod() + " of " + location + " to " + a.getEnabled(), a.getMethod() + " of " + location,
                    "auth." + location + "." + a.getMethod(), set(a), check(a), previous -> restore(a, previous), Boolean.toString(!a.getEnabled()));
        }
        throw new IllegalArgumentException(action.getClass().getSimpleName() + " is not a Windows action");
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
        return IIS + "Set-ItemProperty -Path ('IIS:\\AppPools\\' + " + name + ") -Name autoStart -Value $false; "
                + "if ((Get-WebAppPoolState -Name " + name + ").Value -ne 'Stopped') { Stop-WebAppPool -Name " + name + " }";
    }

    public static String restore(DisableAppPool action) {
        String name = literal(action.getAppPoolName(), APP_POOL_NAME, "app pool name");
        return IIS + "Set-ItemProperty -Path ('IIS:\\AppPools\\' + " + name + ") -Name autoStart -Value $true; "
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
        return IIS + "if ((Get-WebAppPoolState -Name " + name + ").Value -ne 'Stopped' -or "
                + "(Get-ItemProperty -Path ('IIS:\\AppPools\\' + " + name + ") -Name autoStart).Value) { exit 1 }";
    }

    /**
     * Denies every request to the virtual directory with an IIS URL Authorization rule (deny users="*"); prints
     * "present" when such a rule was already there (then removal leaves it) or "absent".
     */
    public static String disable(DisableVirtualDirectory action) {
        String location = literal(location(action.getSite(), action.getPath()), null, "location");
        return IIS + "if (Get-WebConfiguration " + APPHOST + "-Location " + location + " -Filter \"" + DENY_ALL + "\") { Write-Output 'present' } "
                + "else { Write-Output 'absent'; Add-WebConfigurationProperty " + APPHOST + "-Location " + location
                + " -Filter 'system.webServer/security/authorization' -Name '.' -Value @{accessType='Deny';users='*'} }";
    }

    public static String restore(DisableVirtualDirectory action, String previous) {
        String location = literal(location(action.getSite(), action.getPath()), null, "location");
        if ("present".equals(previous)) {
            return STRICT + "exit 0"; // the deny rule was the admin's before ours: it stays
        }
        return IIS + "Remove-WebConfigurationProperty " + APPHOST + "-Location " + location
                + " -Filter 'system.webServer/security/authorization' -Name '.' -AtElement @{accessType='Deny';users='*'}";
    }

    /** Exit code 0 when the virtual directory denies every request. */
    public static String check(DisableVirtualDirectory action) {
        String location = literal(location(action.getSite(), action.getPath()), null, "location");
        return IIS + "if (-not (Get-WebConfiguration " + APPHOST + "-Location " + location + " -Filter \"" + DENY_ALL + "\")) { exit 1 }";
    }

    /** Sets the authentication method's enabled flag; prints the previous value (True/False), which the inverse restores. */
    public static String set(SetAuthentication action) {
        return IIS + "Write-Output " + authenticationValue(action) + "; "
                + "Set-WebConfigurationProperty " + authenticationTarget(action) + " -Value " + bool(action.getEnabled()) + "; "
                + "if (" + authenticationValue(action) + " -ne " + bool(action.getEnabled()) + ") { exit 3 }";
    }

    public static String restore(SetAuthentication action, String previous) {
        if (!previous.equalsIgnoreCase("true") && !previous.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("invalid previous value '" + previous + "' of " + action.getMethod());
        }
        return IIS + "Set-WebConfigurationProperty " + authenticationTarget(action) + " -Value " + bool(Boolean.parseBoolean(previous.toLowerCase()));
    }

    /** Exit code 0 when the authentication method is set as the action says. */
    public static String check(SetAuthentication action) {
        return IIS + "if (" + authenticationValue(action) + " -ne " + bool(action.getEnabled()) + ") { exit 1 }";
    }

    private static String authenticationTarget(SetAuthentication action) {
        if (!AUTHENTICATION_METHODS.contains(action.getMethod())) {
            throw new IllegalArgumentException("invalid authentication method '" + action.getMethod() + "': one of " + AUTHENTICATION_METHODS);
        }
        String location = literal(location(action.getSite(), action.getPath()), null, "location");
        return APPHOST + "-Location " + location + " -Filter 'system.webServer/security/authentication/" + action.getMethod() + "' -Name enabled";
    }

    private static String authenticationValue(SetAuthentication action) {
        return "(Get-WebConfigurationProperty " + authenticationTarget(action) + ").Value";
    }

    private static String bool(boolean value) {
        return value ? "$true" : "$false";
    }

    /** IIS location of a virtual directory, e.g. "Default Web Site/ecp"; both parts validated. */
    static String location(String site, String path) {
        if (site == null || !SITE_NAME.matcher(site).matches()) {
            throw new IllegalArgumentException("invalid IIS site name '" + site + "'");
        }
        if (path == null || !VIRTUAL_PATH.matcher(path).matches() || path.contains("/..")) {
            throw new IllegalArgumentException("invalid virtual directory path '" + path + "': expected e.g. /ecp");
        }
        return site + path;
    }

    /** A single-quoted PowerShell literal of a value that matched its pattern (so it holds no quote at all). */
    static String literal(String value, Pattern allowed, String what) {
        if (value == null || (allowed != null && !allowed.matcher(value).matches()) || value.contains("'")) {
            throw new IllegalArgumentException("invalid " + what + " '" + value + "'");
        }
        return "'" + value + "'";
    }
}
