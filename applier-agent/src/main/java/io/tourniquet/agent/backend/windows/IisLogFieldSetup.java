package io.tourniquet.agent.backend.windows;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * The PowerShell script that lets IIS write Tourniquet's rule marks to each site's W3C log: URL Rewrite sets a server
 * variable only when it is allowed at the server level (otherwise the request fails with 500.50), and IIS (8.5 and
 * later) logs a server variable only as a site's custom log field. Both are added to applicationHost.config once;
 * running the script again changes nothing. It fails (exit 4) for a site that does not log in W3C format, the only
 * format with custom fields.
 */
public final class IisLogFieldSetup {

    /** The custom field's name in the sites' W3C logs ({@code #Fields:}). */
    public static final String LOG_FIELD = "x-tourniquet";

    private IisLogFieldSetup() {
    }

    /**
     * @param variable the server variable the rules set
     * @param sites    the IIS sites whose web.config holds Tourniquet's rules
     */
    public static String setupScript(String variable, Collection<String> sites) {
        String name = WindowsActions.literal(variable, null, "server variable");
        String siteList = sites.stream().sorted().map(site -> WindowsActions.literal(site, WindowsActions.SITE_NAME, "IIS site name"))
                .collect(Collectors.joining(", "));
        return "$ErrorActionPreference = 'Stop'; Import-Module WebAdministration; "
                + "$apphost = 'MACHINE/WEBROOT/APPHOST'; $allowed = 'system.webServer/rewrite/allowedServerVariables'; "
                + "if (-not (Get-WebConfigurationProperty -PSPath $apphost -Filter $allowed -Name Collection | Where-Object { $_.name -eq " + name + " })) { "
                + "Add-WebConfigurationProperty -PSPath $apphost -Filter $allowed -Name '.' -Value @{ name = " + name + " } }; "
                + "foreach ($site in @(" + siteList + ")) { "
                + "$logFile = \"system.applicationHost/sites/site[@name='$site']/logFile\"; "
                + "$format = \"$(Get-WebConfigurationProperty -PSPath $apphost -Filter $logFile -Name logFormat)\"; "
                + "if ($format -ne 'W3C') { Write-Output \"site '$site' logs in $format format: IIS writes custom fields only to W3C logs\"; exit 4 }; "
                + "if (-not (Get-WebConfigurationProperty -PSPath $apphost -Filter \"$logFile/customFields\" -Name Collection "
                + "| Where-Object { $_.logFieldName -eq '" + LOG_FIELD + "' })) { "
                + "Add-WebConfigurationProperty -PSPath $apphost -Filter \"$logFile/customFields\" -Name '.' "
                + "-Value @{ logFieldName = '" + LOG_FIELD + "'; sourceName = " + name + "; sourceType = 'ServerVariable' } } }; "
                + "Write-Output 'ready'";
    }
}
