; Inno Setup 6 script for Aurous Reviewer: a per-user install (no administrator rights),
; a Start-menu entry and an uninstaller. Compiled by `python packaging/build.py`, which
; passes every value that changes from build to build:
;   ISCC /DAppVersion=0.1.0 /DAppNumericVersion=0.1.0.0 /DSourceDir=dist\aurous-reviewer
;        /DIconFile=build\icons\aurous-reviewer.ico /DOutputDir=dist aurous-reviewer.iss

#ifndef AppVersion
  #error Pass /DAppVersion=<the package version>: build.py reads it from reviewer/__init__.py
#endif
#ifndef AppNumericVersion
  #error Pass /DAppNumericVersion=<four numbers>
#endif
#ifndef SourceDir
  #error Pass /DSourceDir=<the PyInstaller bundle folder>
#endif
#ifndef IconFile
  #error Pass /DIconFile=<the .ico made from resources\icons\app.svg>
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "Aurous Reviewer"
#define AppExe "aurous-reviewer.exe"
#define Publisher "Aurous Labs"

[Setup]
; Fixed forever: a new version finds and replaces the installed one.
AppId={{8B0F6A53-2E7C-4B8A-9C61-4E3D2A7F5B19}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#Publisher}
AppPublisherURL=https://aurous-labs.com/reviewer
AppSupportURL=https://docs.aurous-labs.com
VersionInfoVersion={#AppNumericVersion}
VersionInfoProductVersion={#AppNumericVersion}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoCompany={#Publisher}
VersionInfoDescription={#AppName} installer
; Per user: %LOCALAPPDATA%\Programs, no UAC prompt; the user may still choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
SetupIconFile={#IconFile}
OutputDir={#OutputDir}
OutputBaseFilename=aurous-reviewer-{#AppVersion}-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Review characters synthesized by the Aurous Labs API"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put there: settings, cache and logs live in the user's
; AppData folders and stay unless the user removes them.
Type: filesandordirs; Name: "{app}\_internal"
