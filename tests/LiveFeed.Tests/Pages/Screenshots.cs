using Microsoft.Playwright;

namespace LiveFeed.Tests.Pages;

/// <summary>Screenshots kept as test artifacts in TestResults/screenshots at the repository's root.</summary>
public static class Screenshots
{
    public static string Folder
    {
        get
        {
            // bin/{configuration}/{framework} of tests/LiveFeed.Tests: five levels below the root.
            var root = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "TestResults", "screenshots");
        }
    }

    /// <summary>Saves the whole page as TestResults/screenshots/{name}.png and answers the path.</summary>
    public static async Task<string> SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }
}
