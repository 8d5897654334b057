namespace ChatPlatform.ModelRouter.Model;

public sealed record ModelCapabilities(bool Vision = false, bool Tools = false);
