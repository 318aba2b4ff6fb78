package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/retry"
	"github.com/slack-go/slack"
)

// Poster is one way into Slack.
type Poster interface {
	// Post sends a message, as a reply in thread ts when ts is set, and
	// returns the posted message's channel and ts ("" when the way in does
	// not say: a webhook never does).
	Post(ctx context.Context, threadTS string, m Message) (channel, ts string, err error)
	// Threads reports whether posts return a ts to reply in.
	Threads() bool
}

// Retry bounds: a 429 is retried after its Retry-After, at most
// MaxRetries times and never after waiting longer than MaxRetryAfter.
const (
	MaxRetries    = 3
	MaxRetryAfter = 60 * time.Second
)

// Options tune a poster; the zero value posts to slack.com.
type Options struct {
	APIURL     string       // the Web API's base URL, ending in /; tests point it at a fake
	HTTPClient *http.Client // nil: a client with a 30s timeout
	// Sleep waits between retries; nil sleeps on the context (retry.Sleep).
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o Options) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Webhook posts through an incoming webhook: one message per run, no
// threads.
type Webhook struct {
	url  string
	opts Options
}

// NewWebhook returns a poster for an incoming webhook URL.
func NewWebhook(url string, o Options) *Webhook { return &Webhook{url: url, opts: o} }

// Threads is false: a webhook never returns the posted message's ts.
func (w *Webhook) Threads() bool { return false }

// Post sends one message.
func (w *Webhook) Post(ctx context.Context, threadTS string, m Message) (string, string, error) {
	msg := &slack.WebhookMessage{Text: m.Text, Blocks: &slack.Blocks{BlockSet: m.Blocks}, ThreadTimestamp: threadTS}
	err := withRetry(ctx, w.opts, func() error { return slack.PostWebhookCustomHTTPContext(ctx, w.url, w.opts.client(), msg) })
	return "", "", describe(err, "webhook", w.url)
}

// Bot posts with a bot token to one channel, replies in threads.
type Bot struct {
	api     *slack.Client
	token   string
	channel string
	opts    Options
}

// NewBot returns a poster for a bot token and channel.
func NewBot(token, channel string, o Options) *Bot {
	opts := []slack.Option{slack.OptionHTTPClient(o.client())}
	if o.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(o.APIURL))
	}
	return &Bot{api: slack.New(token, opts...), token: token, channel: channel, opts: o}
}

// Threads is true.
func (b *Bot) Threads() bool { return true }

// Post sends one message to the channel, in a thread when threadTS is set.
func (b *Bot) Post(ctx context.Context, threadTS string, m Message) (string, string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ch, ts string
	err := withRetry(ctx, b.opts, func() error {
		var err error
		ch, ts, err = b.api.PostMessageContext(ctx, b.channel, opts...)
		return err
	})
	return ch, ts, describe(err, "chat.postMessage", b.token)
}

// withRetry calls f again after a 429's Retry-After, within the bounds; any
// other answer is final.
func withRetry(ctx context.Context, o Options, f func() error) error {
	p := retry.Policy{Attempts: MaxRetries + 1, MaxWait: MaxRetryAfter, Sleep: o.Sleep}
	err := retry.Do(ctx, p, func(context.Context, int) error {
		err := f()
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			return retry.After(err, rl.RetryAfter)
		}
		return retry.Permanent(err)
	})
	var gaveUp *retry.GaveUpError
	switch {
	case !errors.As(err, &gaveUp):
		return err
	case errors.Is(err, retry.ErrExhausted):
		return fmt.Errorf("rate limited by Slack %d times in a row: %w", gaveUp.Attempts, gaveUp.Err)
	case errors.Is(err, retry.ErrWaitTooLong):
		return fmt.Errorf("rate limited by Slack for %s, longer than the %s drift-action waits: %w", gaveUp.Wait, MaxRetryAfter, gaveUp.Err)
	}
	return err // the wait was cut short
}

// ErrRevoked is a webhook Slack no longer knows.
var ErrRevoked = errors.New("the Slack webhook was revoked or deleted")

// describe turns Slack's answers into errors that say what to do, with the
// secret (the webhook URL or the token) never in them.
func describe(err error, op, secret string) error {
	if err == nil {
		return nil
	}
	var sc slack.StatusCodeError
	var api slack.SlackErrorResponse
	switch {
	case errors.As(err, &sc) && (sc.Code == http.StatusNotFound || sc.Code == http.StatusGone):
		return fmt.Errorf("%s: HTTP %d: %w: create a new incoming webhook in the Slack app and update the slack-webhook-url secret", op, sc.Code, ErrRevoked)
	case errors.As(err, &sc) && sc.Code == http.StatusForbidden:
		return fmt.Errorf("%s: HTTP 403: Slack refused the webhook (disabled app or invalid token): create a new incoming webhook and update the slack-webhook-url secret", op)
	case errors.As(err, &api):
		switch api.Err {
		case "channel_not_found":
			return fmt.Errorf("%s: channel_not_found: check slack-channel (prefer the channel ID, e.g. C0123456789) and, for a private channel, invite the bot to it", op)
		case "not_in_channel":
			return fmt.Errorf("%s: not_in_channel: invite the bot to the channel (/invite @your-bot) or add the chat:write.public scope", op)
		case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired":
			return fmt.Errorf("%s: %s: Slack rejected slack-token: use the app's current Bot User OAuth Token (xoxb-...) and reinstall the app if it was revoked", op, api.Err)
		case "missing_scope":
			return fmt.Errorf("%s: missing_scope: add the chat:write scope to the Slack app (and chat:write.public to post in channels the bot was not invited to), then reinstall it", op)
		}
	}
	msg := err.Error()
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "(secret)")
	}
	return fmt.Errorf("%s: %s", op, msg)
}

// Notifier posts a run's events.
type Notifier struct {
	Poster Poster
	Links  Links
	Now    time.Time
}

// Send posts the run's messages (Compose): the run message, then, with a
// poster that threads, each target's reply in its thread, whose channel
// and ts are set in the target's thread in changes. A target whose message
// failed is dropped from changes, so that the next run tells it again;
// every reply is tried and the errors are joined.
func (n Notifier) Send(ctx context.Context, events []Event, prev State, changes map[report.Key]*Thread) error {
	out := Compose(events, n.Poster.Threads(), n.Links, n.Now)
	if out.Run == nil {
		return nil
	}
	ch, ts, err := n.Poster.Post(ctx, "", *out.Run)
	if err != nil {
		for _, e := range events {
			delete(changes, e.Key)
		}
		return fmt.Errorf("the run's message (%s): %w", strings.Join(kindsOf(events), ", "), err)
	}
	var errs []error
	for _, r := range out.Replies {
		if _, _, err := n.Poster.Post(ctx, ts, r.Message); err != nil {
			errs = append(errs, fmt.Errorf("%s (thread reply): %w", targetName(r.Key), err))
			delete(changes, r.Key)
			continue
		}
		if th := changes[r.Key]; th != nil {
			th.Channel, th.TS = ch, ts
		}
	}
	return errors.Join(errs...)
}

func kindsOf(events []Event) []string {
	var out []string
	for _, e := range events {
		if s := fmt.Sprintf("%s %s", e.Kind, targetName(e.Key)); e.Kind != Heartbeat {
			out = append(out, s)
		} else {
			out = append(out, string(e.Kind))
		}
	}
	return out
}

func targetName(k report.Key) string { return target(Event{Key: k}) }
