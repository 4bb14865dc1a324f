using System.Net;

namespace LiveFeed.Tests.Api;

/// <summary><c>/health/live</c> and <c>/health/ready</c> with the in-memory store.</summary>
public sealed class HealthTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task AHealthyServerAnswers200(string path)
    {
        using var response = await fixture.Anonymous.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
