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
	// Update rewrites the message channel/ts.
	Update(ctx context.Context, channel, ts string, m Message) error
	// Threads reports whether posts return a ts to thread and update.
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

// Webhook posts through an incoming webhook: one message per event, no
// threads, no updates.
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

// Update is impossible through a webhook.
func (w *Webhook) Update(context.Context, string, string, Message) error {
	return errors.New("a Slack incoming webhook cannot update a message: use slack-token and slack-channel")
}

// Bot posts with a bot token to one channel: threads and updates.
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

// Update rewrites a message the same token posted.
func (b *Bot) Update(ctx context.Context, channel, ts string, m Message) error {
	err := withRetry(ctx, b.opts, func() error {
		_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		return err
	})
	return describe(err, "chat.update", b.token)
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
		case "cant_update_message", "message_not_found", "edit_window_closed":
			return fmt.Errorf("%s: %s: the thread's first message can no longer be updated (it must have been posted by this same bot token)", op, api.Err)
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

// Send posts events in order. With a poster that threads, an event of a
// target with a thread (in prev, or started this run) replies in it and the
// thread's first message is updated to the current state; the first event
// of a new episode starts the thread, whose ts is set in changes. Every
// event is tried; the errors are joined, and a target whose event failed
// is dropped from changes, so that the next run tells it again.
func (n Notifier) Send(ctx context.Context, events []Event, prev State, changes map[report.Key]*Thread) error {
	var errs []error
	failed := map[report.Key]bool{}
	defer func() {
		for k := range failed {
			delete(changes, k)
		}
	}()
	for _, e := range events {
		m := Render(e, n.Links, n.Now)
		if !n.Poster.Threads() || e.Kind == Heartbeat {
			if _, _, err := n.Poster.Post(ctx, "", m); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", e.Kind, target(e), err))
				failed[e.Key] = true
			}
			continue
		}
		th := changes[e.Key]
		if th == nil {
			th = prev.Get(e.Key)
		}
		if th == nil || th.TS == "" {
			ch, ts, err := n.Poster.Post(ctx, "", m)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", e.Kind, target(e), err))
				failed[e.Key] = true
				continue
			}
			if next := changes[e.Key]; next != nil && !e.Kind.Ends() {
				next.Channel, next.TS = ch, ts // later events reply here
			}
			continue
		}
		if _, _, err := n.Poster.Post(ctx, th.TS, m); err != nil {
			errs = append(errs, fmt.Errorf("%s %s (thread reply): %w", e.Kind, target(e), err))
			failed[e.Key] = true
			continue
		}
		if err := n.Poster.Update(ctx, th.Channel, th.TS, RenderParent(e, n.Links, n.Now)); err != nil {
			errs = append(errs, fmt.Errorf("%s %s (update of the thread's first message): %w", e.Kind, target(e), err))
		}
	}
	return errors.Join(errs...)
}
