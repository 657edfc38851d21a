/** Messages of the accounts module: sign-up, sign-in, two-factor, account, administration. */
import { defineMessages, translate, type Lang } from '../../core/i18n.ts';

export const accountsMessages = defineMessages({
  // Field labels and hints
  'accounts.field.email': { ja: 'メールアドレス', en: 'Email address' },
  'accounts.field.displayName': { ja: '表示名', en: 'Display name' },
  'accounts.field.displayNameHint': { ja: 'ニックネームでもかまいません', en: 'A nickname is fine' },
  'accounts.field.password': { ja: 'パスワード', en: 'Password' },
  'accounts.field.passwordHint': {
    ja: '12文字以上。メールアドレスと同じものは使えません',
    en: 'At least 12 characters, not the same as your email address',
  },
  'accounts.field.passwordConfirm': { ja: 'パスワード（確認）', en: 'Confirm password' },
  'accounts.field.role': { ja: '役割', en: 'Role' },
  'accounts.field.department': { ja: '所属課', en: 'Department' },
  'accounts.field.departmentHint': { ja: '職員（担当課）は必須です', en: 'Required for department staff' },
  'accounts.field.departmentNone': { ja: '（なし）', en: '(none)' },
  'accounts.field.initialPassword': { ja: '初期パスワード', en: 'Initial password' },
  'accounts.field.code': { ja: '確認コード', en: 'Verification code' },
  'accounts.field.codeHint': {
    ja: '認証アプリに表示される6桁の数字、または回復コード',
    en: 'The 6-digit number in your authenticator app, or a recovery code',
  },
  'accounts.field.setupCodeHint': {
    ja: '認証アプリに表示される6桁の数字',
    en: 'The 6-digit number shown in your authenticator app',
  },
  'accounts.field.tokenName': { ja: 'トークン名', en: 'Token name' },
  'accounts.field.tokenNameHint': { ja: '用途がわかる名前（例：集計スクリプト）', en: 'What it is for (e.g. reporting script)' },

  // Roles
  'accounts.role.citizen': { ja: '市民', en: 'Citizen' },
  'accounts.role.staff': { ja: '担当課職員', en: 'Department staff' },
  'accounts.role.plan_manager': { ja: '計画管理者（政策推進課）', en: 'Plan manager' },
  'accounts.role.admin': { ja: 'システム管理者', en: 'Administrator' },

  // Validation
  'accounts.error.emailRequired': { ja: 'メールアドレスを入力してください', en: 'Enter your email address' },
  'accounts.error.emailFormat': {
    ja: 'メールアドレスを name@example.jp の形式で入力してください',
    en: 'Enter an email address in the form name@example.jp',
  },
  'accounts.error.emailTooLong': { ja: 'メールアドレスが長すぎます', en: 'The email address is too long' },
  'accounts.error.displayNameRequired': { ja: '表示名を入力してください', en: 'Enter a display name' },
  'accounts.error.displayNameTooLong': { ja: '表示名は{max}文字以内にしてください', en: 'Use at most {max} characters for the display name' },
  'accounts.error.passwordRequired': { ja: 'パスワードを入力してください', en: 'Enter a password' },
  'accounts.error.passwordTooShort': { ja: 'パスワードは{min}文字以上にしてください', en: 'The password must be at least {min} characters' },
  'accounts.error.passwordTooLong': { ja: 'パスワードは{max}文字以内にしてください', en: 'The password must be at most {max} characters' },
  'accounts.error.passwordIsEmail': {
    ja: 'メールアドレスと同じパスワードは使えません',
    en: 'The password must not be the same as the email address',
  },
  'accounts.error.passwordMismatch': { ja: '確認用のパスワードが一致しません', en: 'The passwords do not match' },
  'accounts.error.roleInvalid': { ja: '役割を選んでください', en: 'Choose a role' },
  'accounts.error.departmentRequired': {
    ja: '担当課職員には所属課を選んでください',
    en: 'Choose a department for department staff',
  },
  'accounts.error.departmentUnknown': { ja: 'その所属課は登録されていません', en: 'There is no such department' },
  'accounts.error.emailTaken': {
    ja: 'このメールアドレスは既に登録されています',
    en: 'An account with this email address already exists',
  },
  'accounts.error.codeRequired': { ja: '確認コードを入力してください', en: 'Enter the verification code' },
  'accounts.error.codeFormat': { ja: '6桁の数字を入力してください', en: 'Enter the 6-digit number' },
  'accounts.error.codeWrong': {
    ja: '確認コードが正しくありません。最新のコードを入力してください',
    en: 'The code is not right; enter the current code',
  },
  'accounts.error.setupExpired': {
    ja: '設定画面の有効期限が切れました。もう一度読み取ってください',
    en: 'The set-up page has expired; please scan the new code',
  },
  'accounts.error.currentPasswordRequired': { ja: '現在のパスワードを入力してください', en: 'Enter your current password' },
  'accounts.error.currentPasswordWrong': { ja: '現在のパスワードが正しくありません', en: 'Your current password is not right' },
  'accounts.error.passwordUnchanged': { ja: '現在と異なるパスワードにしてください', en: 'Choose a password different from the current one' },
  'accounts.error.emailUnchanged': { ja: '現在と同じメールアドレスです', en: 'This is already your email address' },
  'accounts.error.agreeRequired': {
    ja: '利用規約とプライバシーポリシーに同意してください',
    en: 'Agree to the terms of use and the privacy policy',
  },
  'accounts.signup.agree': {
    ja: '利用規約とプライバシーポリシー（アカウント）に同意します',
    en: 'I agree to the terms of use and the privacy policy (accounts)',
  },
  'accounts.signup.agreeHint': { ja: '内容は次のページでご確認ください（版：{version}）', en: 'Read them on these pages (version {version})' },
  'accounts.terms.title': { ja: '利用規約', en: 'Terms of use' },
  'accounts.terms.privacyTitle': { ja: 'プライバシーポリシー（アカウント）', en: 'Privacy policy (accounts)' },
  'accounts.terms.version': { ja: '版：{version}（{effective} 施行）', en: 'Version {version} (in force from {effective})' },
  'accounts.account.agreements': { ja: '同意した規約', en: 'Agreed terms' },
  'accounts.account.agreedAt': { ja: '{title} 版 {version}（{at} に同意）', en: '{title}, version {version} (agreed {at})' },
  'accounts.error.tokenNameRequired': { ja: 'トークン名を入力してください', en: 'Enter a name for the token' },
  'accounts.error.tokenNameTooLong': { ja: 'トークン名は{max}文字以内にしてください', en: 'Use at most {max} characters for the token name' },

  // Sign-up and e-mail verification
  'accounts.signup.title': { ja: '新規登録', en: 'Create an account' },
  'accounts.signup.lead': {
    ja: '市民のみなさまのアカウントを作成します。確認のメールをお送りします。',
    en: 'Create a citizen account. We will send you an email to confirm your address.',
  },
  'accounts.signup.submit': { ja: '登録する', en: 'Create account' },
  'accounts.signup.haveAccount': { ja: 'アカウントをお持ちの方はこちらからログイン', en: 'Already have an account? Sign in' },
  'accounts.signup.sentTitle': { ja: '確認メールを送信しました', en: 'Check your email' },
  'accounts.signup.sentBody': {
    ja: '入力されたメールアドレスに確認用のリンクを送りました。24時間以内にリンクを開いて登録を完了してください。',
    en: 'We have sent a confirmation link to the address you entered. Open it within 24 hours to finish creating your account.',
  },
  'accounts.signup.sentNoMail': {
    ja: 'メールが届かない場合は、迷惑メールフォルダを確認するか、下のボタンで再送してください。',
    en: 'If nothing arrives, check your spam folder or send the link again below.',
  },
  'accounts.signup.resend': { ja: '確認メールを再送する', en: 'Send the link again' },
  'accounts.mail.verifySubject': { ja: '【響き Hibiki】メールアドレスの確認', en: 'Confirm your email address' },
  'accounts.mail.verifyBody': {
    ja: '{name} 様\n\n響き Hibiki へのご登録ありがとうございます。次のリンクを24時間以内に開いて、メールアドレスを確認してください。\n\n{link}\n\nお心当たりのない場合は、このメールを破棄してください。',
    en: 'Dear {name},\n\nThank you for creating a Hibiki account. Open this link within 24 hours to confirm your email address:\n\n{link}\n\nIf you did not ask for this, you can ignore this email.',
  },
  'accounts.verify.doneTitle': { ja: 'メールアドレスを確認しました', en: 'Your email address is confirmed' },
  'accounts.verify.doneBody': { ja: '登録が完了しました。ログインしてください。', en: 'Your account is ready. You can now sign in.' },
  'accounts.verify.invalidTitle': { ja: 'このリンクは使えません', en: 'This link cannot be used' },
  'accounts.verify.invalidBody': {
    ja: 'リンクの有効期限（24時間）が切れたか、既に使用されています。ログイン画面から確認メールを再送できます。',
    en: 'The link has expired (after 24 hours) or was already used. You can ask for a new one from the sign-in page.',
  },

  // Sign-in
  'accounts.login.title': { ja: 'ログイン', en: 'Sign in' },
  'accounts.setPassword.title': { ja: 'パスワードの設定', en: 'Set your password' },
  'accounts.setPassword.lead': {
    ja: 'このアカウントで使うパスワードを決めてください。職員・管理者は次のログイン時に二要素認証を設定します。',
    en: 'Choose the password for this account. Staff and administrators set up two-factor authentication at their next sign-in.',
  },
  'accounts.setPassword.submit': { ja: 'パスワードを設定する', en: 'Set password' },
  'accounts.setPassword.doneTitle': { ja: 'パスワードを設定しました', en: 'Your password is set' },
  'accounts.setPassword.doneBody': { ja: '新しいパスワードでログインしてください。', en: 'Sign in with your new password.' },
  'accounts.login.submit': { ja: 'ログイン', en: 'Sign in' },
  'accounts.forgot.link': { ja: 'パスワードをお忘れの方', en: 'Forgotten your password?' },
  'accounts.forgot.title': { ja: 'パスワードの再設定', en: 'Reset your password' },
  'accounts.forgot.lead': {
    ja: '登録したメールアドレスを入力してください。パスワードを再設定するためのリンク（60分間有効、1回限り）をお送りします。',
    en: 'Enter the email address of your account. We will send you a link to choose a new password (valid for 60 minutes, usable once).',
  },
  'accounts.forgot.submit': { ja: '再設定のリンクを送る', en: 'Send the reset link' },
  'accounts.forgot.sentTitle': { ja: 'メールをご確認ください', en: 'Check your email' },
  'accounts.forgot.sentBody': {
    ja: '入力されたメールアドレスがアカウントに登録されていれば、パスワード再設定のリンクを送りました。リンクは60分間有効で、1回だけ使えます。数分たっても届かない場合は、迷惑メールフォルダを確認するか、もう一度お試しください。',
    en: 'If the address you entered belongs to an account, we have sent it a link to reset the password. The link is valid for 60 minutes and works once. If nothing arrives within a few minutes, check your spam folder or try again.',
  },
  'accounts.forgot.resetDoneBody': {
    ja: '新しいパスワードを設定しました。ほかの端末でのログインはすべて終了しました。新しいパスワードでログインしてください。',
    en: 'Your new password is set, and every other sign-in has been ended. Sign in with your new password.',
  },
  'accounts.mail.resetSubject': { ja: '【響き Hibiki】パスワードの再設定', en: '[Hibiki] Reset your password' },
  'accounts.mail.resetBody': {
    ja: '{name} 様\n\nパスワード再設定のご依頼を受け付けました。次のリンクを60分以内に開き、新しいパスワードを設定してください（リンクは1回だけ使えます）。\n\n{link}\n\nお心当たりのない場合は、このメールを破棄してください。パスワードは変更されません。',
    en: 'Dear {name},\n\nWe received a request to reset your password. Open this link within 60 minutes to choose a new one (the link works once):\n\n{link}\n\nIf you did not ask for this, ignore this email: your password stays as it is.',
  },
  'accounts.setPassword.invalidBody': {
    ja: 'リンクの有効期限が切れたか、既に使用されています。パスワードの再設定は、ログイン画面の「パスワードをお忘れの方」からもう一度お申し込みください。',
    en: 'The link has expired or was already used. To reset your password, ask again from "Forgotten your password?" on the sign-in page.',
  },
  'accounts.login.noAccount': { ja: 'アカウントをお持ちでない方は新規登録', en: 'No account yet? Create one' },
  'accounts.login.invalid': {
    ja: 'メールアドレスまたはパスワードが正しくありません',
    en: 'The email address or password is not right',
  },
  'accounts.login.locked': {
    ja: 'このメールアドレスでのログインの失敗が続いたため、しばらくログインできません。15分ほど待ってから再度お試しください（以前ログインしたことのあるブラウザからは、引き続きログインできます）',
    en: 'Sign-in with this email address is paused after repeated failures; please wait about 15 minutes and try again (a browser you signed in with before can still sign in)',
  },
  'accounts.login.checkMailTitle': { ja: 'メールでの確認が必要です', en: 'Confirm by email' },
  'accounts.login.checkMailBody': {
    ja: 'この接続元からのログインの失敗が多いため、このブラウザからのログインはメールで確認します。メールアドレスとパスワードが正しければ、そのアドレスにログイン用のリンクを送りました（15分間有効）。以前ログインしたことのあるブラウザからは、そのままログインできます。',
    en: 'There have been many failed sign-ins from this network, so a sign-in from this browser is confirmed by email. If the email address and password were right, we have sent a sign-in link to that address (valid for 15 minutes). A browser you signed in with before can sign in as usual.',
  },
  'accounts.mail.signInSubject': { ja: '【響き Hibiki】ログインの確認', en: '[Hibiki] Confirm your sign-in' },
  'accounts.mail.signInBody': {
    ja: '{name} 様\n\n多くのログイン失敗があった接続元から、正しいパスワードでのログインがありました。ご本人であれば、次のリンクを15分以内に開いてログインしてください。\n\n{link}\n\nお心当たりのない場合は、パスワードを変更してください。',
    en: 'Dear {name},\n\nSomeone signed in with your correct password from a network with many failed sign-ins. If it was you, open this link within 15 minutes to sign in:\n\n{link}\n\nIf it was not you, please change your password.',
  },
  'accounts.loginLink.title': { ja: 'メールのリンクでログイン', en: 'Sign in with the emailed link' },
  'accounts.loginLink.lead': { ja: 'このブラウザでログインします。よろしければボタンを押してください。', en: 'This signs you in on this browser. Press the button to continue.' },
  'accounts.loginLink.submit': { ja: 'ログインする', en: 'Sign in' },
  'accounts.loginLink.invalidBody': {
    ja: 'リンクの有効期限（15分）が切れたか、既に使用されています。もう一度ログインしてください。',
    en: 'The link has expired (after 15 minutes) or was already used. Please sign in again.',
  },
  'accounts.login.rateLimited': {
    ja: 'この接続元からのログインの失敗が多すぎます。15分ほど待ってから再度お試しください（以前ログインしたことのあるブラウザからは、引き続きログインできます）',
    en: 'Too many failed sign-ins from this network; please wait about 15 minutes and try again (a browser you signed in with before can still sign in)',
  },
  'accounts.login.unverified': {
    ja: 'メールアドレスの確認が済んでいません。お送りしたメールのリンクを開いてください',
    en: 'Your email address is not confirmed yet; open the link in the email we sent you',
  },
  'accounts.twoFactor.title': { ja: '二要素認証', en: 'Two-factor authentication' },
  'accounts.twoFactor.lead': {
    ja: '認証アプリに表示されている確認コードを入力してください。スマートフォンを使えない場合は回復コードを入力できます。',
    en: 'Enter the code shown in your authenticator app. If you cannot use your phone, enter one of your recovery codes.',
  },
  'accounts.twoFactor.submit': { ja: '確認する', en: 'Verify' },
  'accounts.twoFactor.setupTitle': { ja: '二要素認証の設定', en: 'Set up two-factor authentication' },
  'accounts.twoFactor.setupLead': {
    ja: '職員のアカウントでは二要素認証が必要です。認証アプリ（Google Authenticator、Microsoft Authenticator など）で次のQRコードを読み取り、表示された6桁の数字を入力してください。',
    en: 'Staff accounts need two-factor authentication. Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator or similar) and enter the 6-digit number it shows.',
  },
  'accounts.twoFactor.qrAlt': {
    ja: '認証アプリ用のQRコード。読み取れない場合は下の設定キーを入力してください',
    en: 'QR code for your authenticator app; if you cannot scan it, enter the set-up key below',
  },
  'accounts.twoFactor.manualKey': { ja: '設定キー（手入力用）', en: 'Set-up key (for manual entry)' },
  'accounts.twoFactor.setupSubmit': { ja: '設定を完了する', en: 'Finish set-up' },
  'accounts.twoFactor.recoveryTitle': { ja: '回復コード', en: 'Recovery codes' },
  'accounts.twoFactor.recoveryLead': {
    ja: '二要素認証を設定しました。スマートフォンを紛失したときのために、次の回復コードを安全な場所に保管してください。各コードは1回だけ使えます。この画面は二度と表示されません。',
    en: 'Two-factor authentication is on. Keep these recovery codes somewhere safe in case you lose your phone. Each works once. This page will not be shown again.',
  },
  'accounts.twoFactor.continue': { ja: '続ける', en: 'Continue' },

  // Account page and API tokens
  'accounts.account.title': { ja: 'アカウント', en: 'Your account' },
  'accounts.account.profile': { ja: '登録情報', en: 'Profile' },
  'accounts.twoFactor.optionalLead': {
    ja: '二要素認証を設定すると、ログインのたびにパスワードに加えて認証アプリの確認コードを入力します。認証アプリ（Google Authenticator、Microsoft Authenticator など）で次のQRコードを読み取り、表示された6桁の数字を入力してください。',
    en: 'With two-factor authentication, every sign-in asks for a code from your authenticator app as well as your password. Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator or similar) and enter the 6-digit number it shows.',
  },
  'accounts.twoFactor.turnOn': { ja: '二要素認証を設定する', en: 'Turn on two-factor authentication' },
  'accounts.twoFactor.turnOff': { ja: '二要素認証を解除する', en: 'Turn off two-factor authentication' },
  'accounts.twoFactor.turnOffLead': {
    ja: '解除すると、パスワードだけでログインできるようになります。解除するには、認証アプリの現在の確認コードとパスワードを入力してください。スマートフォンを紛失した場合は、回復コードでログインしてから解除するか、市の担当窓口に連絡してください。',
    en: 'Once it is off, the password alone signs you in. To turn it off, enter the current code from your authenticator app and your password. If you lost your phone, sign in with a recovery code first, or contact the city.',
  },
  'accounts.twoFactor.mandatory': {
    ja: '職員・計画管理者・管理者のアカウントでは二要素認証は必須です。',
    en: 'Two-factor authentication is required for staff, plan manager and administrator accounts.',
  },
  'accounts.self.twoFactorOff': { ja: '二要素認証を解除しました', en: 'Two-factor authentication is off' },
  'accounts.self.twoFactorOn': { ja: '二要素認証を設定しました', en: 'Two-factor authentication is on' },
  'accounts.account.twoFactor': { ja: '二要素認証', en: 'Two-factor authentication' },
  'accounts.account.twoFactorOn': { ja: '設定済み', en: 'On' },
  'accounts.account.twoFactorOff': { ja: '未設定', en: 'Off' },
  'accounts.account.admin': { ja: '管理 / Admin', en: 'Admin / 管理' },
  'accounts.tokens.title': { ja: 'APIトークン', en: 'API tokens' },
  'accounts.tokens.lead': {
    ja: 'プログラムからAPIを利用するためのトークンです。Authorization: Bearer ヘッダーで送ってください。',
    en: 'Tokens let programs use the API; send one in an Authorization: Bearer header.',
  },
  'accounts.tokens.none': { ja: 'トークンはまだありません', en: 'You have no tokens yet' },
  'accounts.tokens.name': { ja: '名前', en: 'Name' },
  'accounts.tokens.created': { ja: '発行日時', en: 'Created' },
  'accounts.tokens.lastUsed': { ja: '最終使用', en: 'Last used' },
  'accounts.tokens.status': { ja: '状態', en: 'Status' },
  'accounts.tokens.active': { ja: '有効', en: 'Active' },
  'accounts.tokens.revokedAt': { ja: '失効（{at}）', en: 'Revoked ({at})' },
  'accounts.tokens.never': { ja: '未使用', en: 'Never' },
  'accounts.tokens.revoke': { ja: '失効させる', en: 'Revoke' },
  'accounts.tokens.revokeLabel': { ja: '「{name}」を失効させる', en: 'Revoke "{name}"' },
  'accounts.tokens.create': { ja: 'トークンを発行する', en: 'Create a token' },
  'accounts.tokens.createdTitle': { ja: 'APIトークンを発行しました', en: 'Your new API token' },
  'accounts.tokens.createdLead': {
    ja: 'このトークンは今回だけ表示されます。安全な場所に保管してください。',
    en: 'This token is shown only once. Store it somewhere safe.',
  },
  'accounts.tokens.back': { ja: 'アカウントに戻る', en: 'Back to your account' },
  'accounts.tokens.caption': { ja: '発行済みのAPIトークン', en: 'Your API tokens' },

  // Changing the password and the address, sessions
  'accounts.self.security': { ja: 'ログインとセキュリティ', en: 'Sign-in and security' },
  'accounts.self.changePassword': { ja: 'パスワードを変更する', en: 'Change your password' },
  'accounts.self.changePasswordLead': {
    ja: '現在のパスワードと新しいパスワードを入力してください。変更すると、この端末以外でのログインはすべて終了します。',
    en: 'Enter your current password and the new one. Changing it ends every sign-in except this one.',
  },
  'accounts.self.currentPassword': { ja: '現在のパスワード', en: 'Current password' },
  'accounts.self.newPassword': { ja: '新しいパスワード', en: 'New password' },
  'accounts.self.newPasswordConfirm': { ja: '新しいパスワード（確認）', en: 'Confirm the new password' },
  'accounts.self.passwordChanged': {
    ja: 'パスワードを変更しました。ほかの端末でのログインは終了しました。',
    en: 'Your password was changed, and your other sign-ins were ended.',
  },
  'accounts.self.changeEmail': { ja: 'メールアドレスを変更する', en: 'Change your email address' },
  'accounts.self.changeEmailLead': {
    ja: '新しいメールアドレスに確認のリンク（24時間有効）を送ります。リンクを開くまでは、現在のアドレスのままです。現在のアドレスにもお知らせを送ります。',
    en: 'We will send a confirmation link (valid for 24 hours) to the new address; until it is opened, your address stays as it is. We also tell your current address.',
  },
  'accounts.self.newEmail': { ja: '新しいメールアドレス', en: 'New email address' },
  'accounts.self.emailSent': {
    ja: '新しいメールアドレスに確認のリンクを送りました。リンクを開くと変更が完了します。',
    en: 'We have sent a confirmation link to the new address. The change is made when you open it.',
  },
  'accounts.self.emailChangedTitle': { ja: 'メールアドレスを変更しました', en: 'Your email address was changed' },
  'accounts.self.emailChangedBody': {
    ja: '新しいメールアドレスでログインしてください。',
    en: 'Sign in with your new email address from now on.',
  },
  'accounts.self.emailLinkInvalid': {
    ja: 'リンクの有効期限（24時間）が切れたか、既に使用されています。アカウントの画面からもう一度変更してください。',
    en: 'The link has expired (after 24 hours) or was already used. Please change the address again from your account page.',
  },
  'accounts.self.sessions': { ja: 'ログイン中の端末', en: 'Where you are signed in' },
  'accounts.self.sessionsOther': { ja: 'この端末のほかに {n} 件のログインがあります。', en: 'You are signed in in {n} other place(s) besides this one.' },
  'accounts.self.sessionsNone': { ja: 'ほかの端末でのログインはありません。', en: 'You are not signed in anywhere else.' },
  'accounts.self.endOthers': { ja: 'ほかの端末からログアウトする', en: 'Sign out everywhere else' },
  'accounts.self.endedOthers': { ja: 'ほかの端末でのログインを終了しました（{n} 件）。', en: 'Your other sign-ins were ended ({n}).' },
  'accounts.self.idleNote': {
    ja: '{minutes}分間操作がないと、自動的にログアウトします。',
    en: 'You are signed out automatically after {minutes} minutes without activity.',
  },
  'accounts.mail.twoFactorOffSubject': { ja: '【響き Hibiki】二要素認証が解除されました', en: '[Hibiki] Two-factor authentication was turned off' },
  'accounts.mail.twoFactorOffBody': {
    ja: '{name} 様\n\nあなたのアカウントの二要素認証が解除されました。今後はパスワードだけでログインできます。\n\nお心当たりのない場合は、直ちにパスワードを変更し、市の担当窓口にご連絡ください。',
    en: 'Dear {name},\n\nTwo-factor authentication was turned off for your account; from now on the password alone signs you in.\n\nIf this was not you, change your password at once and contact the city.',
  },
  'accounts.mail.passwordChangedSubject': { ja: '【響き Hibiki】パスワードが変更されました', en: '[Hibiki] Your password was changed' },
  'accounts.mail.passwordChangedBody': {
    ja: '{name} 様\n\nあなたのアカウントのパスワードが変更されました。ほかの端末でのログインは終了しています。\n\nお心当たりのない場合は、ログイン画面の「パスワードをお忘れの方」から直ちにパスワードを再設定し、市の担当窓口にご連絡ください。',
    en: 'Dear {name},\n\nThe password of your account was changed, and your other sign-ins were ended.\n\nIf this was not you, reset your password at once from "Forgotten your password?" on the sign-in page, and contact the city.',
  },
  'accounts.mail.emailChangeSubject': { ja: '【響き Hibiki】新しいメールアドレスの確認', en: '[Hibiki] Confirm your new email address' },
  'accounts.mail.emailChangeBody': {
    ja: '{name} 様\n\nアカウントのメールアドレスをこのアドレスに変更する依頼を受け付けました。次のリンクを24時間以内に開くと、変更が完了します。\n\n{link}\n\nお心当たりのない場合は、このメールを破棄してください。',
    en: 'Dear {name},\n\nWe received a request to change the email address of an account to this one. Open this link within 24 hours to complete the change:\n\n{link}\n\nIf you did not ask for this, ignore this email.',
  },
  'accounts.mail.emailChangeNoticeSubject': { ja: '【響き Hibiki】メールアドレス変更のお知らせ', en: '[Hibiki] A change of your email address' },
  'accounts.mail.emailChangeNoticeBody': {
    ja: '{name} 様\n\nあなたのアカウントのメールアドレスを {newEmail} に変更する依頼がありました。新しいアドレスで確認されると変更が完了します。\n\nお心当たりのない場合は、直ちにパスワードを変更し、市の担当窓口にご連絡ください。',
    en: 'Dear {name},\n\nSomeone asked to change the email address of your account to {newEmail}. The change is made once the new address is confirmed.\n\nIf this was not you, change your password at once and contact the city.',
  },

  // Administration
  'accounts.admin.title': { ja: '管理', en: 'Administration' },
  'accounts.admin.users': { ja: '利用者', en: 'Users' },
  'accounts.admin.usersCaption': { ja: '利用者一覧', en: 'All users' },
  'accounts.admin.newUser': { ja: '利用者を追加', en: 'Add a user' },
  'accounts.admin.create': { ja: '追加する', en: 'Add user' },
  'accounts.admin.created': { ja: '利用者を追加しました', en: 'The user was added' },
  'accounts.admin.disabled': { ja: '利用者を無効にしました', en: 'The user was disabled' },
  'accounts.admin.disable': { ja: '無効にする', en: 'Disable' },
  'accounts.admin.disableLabel': { ja: '{email} を無効にする', en: 'Disable {email}' },
  'accounts.admin.status': { ja: '状態', en: 'Status' },
  'accounts.admin.statusActive': { ja: '有効', en: 'Active' },
  'accounts.admin.statusDisabled': { ja: '無効', en: 'Disabled' },
  'accounts.admin.statusUnverified': { ja: 'メール未確認', en: 'Email not confirmed' },
  'accounts.admin.actions': { ja: '操作', en: 'Actions' },
  'accounts.admin.outbox': { ja: '送信メール', en: 'Mail outbox' },
  'accounts.admin.outboxLead': {
    ja: 'システムが送信した（または送信待ちの）メールです。SMTPを設定していない場合はここが受信箱の代わりになります。',
    en: 'Mail the system has sent or is waiting to send. Without SMTP this is the only copy.',
  },
  'accounts.admin.outboxNone': { ja: 'メールはありません', en: 'No mail' },
  'accounts.admin.to': { ja: '宛先', en: 'To' },
  'accounts.admin.createdAt': { ja: '作成日時', en: 'Created' },
  'accounts.admin.sentAt': { ja: '送信日時', en: 'Sent' },
  'accounts.admin.pending': { ja: '送信待ち', en: 'Pending' },
  'accounts.admin.audit': { ja: '監査ログ', en: 'Audit log' },
  'accounts.admin.twoFactor': { ja: '二要素認証', en: 'Two-factor' },
  'accounts.admin.invite': { ja: '職員を招待', en: 'Invite a member of staff' },
  'accounts.admin.inviteLead': {
    ja: '招待した人に、パスワードを設定するためのリンク（72時間有効、1回限り）をメールで送ります。パスワードを管理者が決めたり伝えたりすることはありません。職員・計画管理者・管理者は、最初のログイン時に二要素認証を設定します。',
    en: 'The person you invite is mailed a link (valid for 72 hours, usable once) where they choose their own password; no administrator ever sets or passes on a password. Staff, plan managers and administrators set up two-factor authentication at their first sign-in.',
  },
  'accounts.admin.inviteSubmit': { ja: '招待メールを送る', en: 'Send the invitation' },
  'accounts.admin.invited': { ja: '招待メールを送りました', en: 'The invitation was sent' },
  'accounts.admin.statusInvited': { ja: '招待中（パスワード未設定）', en: 'Invited (no password yet)' },
  'accounts.admin.userTitle': { ja: '利用者：{name}', en: 'User: {name}' },
  'accounts.admin.edit': { ja: '登録内容の変更', en: 'Edit' },
  'accounts.admin.save': { ja: '変更を保存する', en: 'Save changes' },
  'accounts.admin.saved': { ja: '変更を保存しました', en: 'The changes were saved' },
  'accounts.admin.roleChangeNote': {
    ja: '役割を変更すると、その人のログインは終了します（二要素認証が必要な役割では、次のログイン時に設定します）。',
    en: 'Changing the role ends the person’s sign-ins (a role that needs two-factor sets it up at the next sign-in).',
  },
  'accounts.admin.account': { ja: 'アカウントの操作', en: 'Account actions' },
  'accounts.admin.enable': { ja: '再び有効にする', en: 'Enable again' },
  'accounts.admin.enabled': { ja: '利用者を再び有効にしました', en: 'The user was enabled again' },
  'accounts.admin.resendInvite': { ja: '招待メールを再送する', en: 'Send the invitation again' },
  'accounts.admin.resetTwoFactor': { ja: '二要素認証をリセットする', en: 'Reset two-factor authentication' },
  'accounts.admin.twoFactorReset': {
    ja: '二要素認証をリセットしました。次のログイン時に設定し直します。',
    en: 'Two-factor authentication was reset; it is set up again at the next sign-in.',
  },
  'accounts.admin.confirmDisableTitle': { ja: '{email} を無効にしますか', en: 'Disable {email}?' },
  'accounts.admin.confirmDisableBody': {
    ja: '無効にすると、この人はログインできなくなり、ログイン中の端末やAPIトークンも使えなくなります。記録は残り、後で再び有効にできます。',
    en: 'Once disabled, this person cannot sign in, and their sessions and API tokens stop working. Their records stay, and you can enable the account again later.',
  },
  'accounts.admin.confirmResetTitle': { ja: '{email} の二要素認証をリセットしますか', en: 'Reset two-factor authentication of {email}?' },
  'accounts.admin.confirmResetBody': {
    ja: '認証アプリと回復コードが使えなくなり、ログイン中の端末からはログアウトします。本人であることを確認してから行ってください。次のログイン時に設定し直します。この操作は監査ログに記録されます。',
    en: 'Their authenticator app and recovery codes stop working and they are signed out everywhere. Make sure you are dealing with the person themself. They set it up again at their next sign-in. This is recorded in the audit log.',
  },
  'accounts.admin.confirmYes': { ja: 'はい、実行します', en: 'Yes, go ahead' },
  'accounts.admin.cancel': { ja: '取り消して戻る', en: 'Cancel and go back' },
  'accounts.admin.created_at': { ja: '登録日時', en: 'Created' },
  'accounts.admin.self': { ja: '（あなた）', en: '(you)' },
  'accounts.admin.selfNote': {
    ja: '自分のアカウントは無効にできません。二要素認証のリセットは別の管理者に依頼してください。',
    en: 'You cannot disable your own account; ask another administrator to reset your two-factor authentication.',
  },
  'accounts.error.lastAdmin': {
    ja: '管理者が一人もいなくなるため、この変更はできません。先に別の管理者を置いてください',
    en: 'This would leave no administrator; make someone else an administrator first',
  },
  'accounts.mail.inviteSubject': { ja: '【響き Hibiki】アカウントへの招待', en: '[Hibiki] You are invited' },
  'accounts.mail.inviteBody': {
    ja: '{name} 様\n\n{city} の響き Hibiki に「{role}」として招待されました。次のリンクを72時間以内に開き、ご自身でパスワードを設定してください（リンクは1回だけ使えます）。{twoFactor}\n\n{link}\n\nお心当たりのない場合は、このメールを破棄してください。',
    en: 'Dear {name},\n\nYou are invited to Hibiki of {city} as "{role}". Open this link within 72 hours and choose your own password (the link works once).{twoFactor}\n\n{link}\n\nIf you were not expecting this, ignore this email.',
  },
  'accounts.mail.inviteTwoFactor': {
    ja: 'パスワードの設定後、最初のログイン時に二要素認証（認証アプリ）を設定します。',
    en: ' After setting the password, you set up two-factor authentication (an authenticator app) at your first sign-in.',
  },
});

export type AccountsMessageKey = keyof typeof accountsMessages;

/**
 * A message in the reader's language, or — for callers without a reader, such as the command
 * line — both languages as "日本語 / English".
 */
export function accountsText(key: AccountsMessageKey, lang?: Lang, params: Record<string, string | number> = {}): string {
  return lang ? translate(lang, key, params) : `${translate('ja', key, params)} / ${translate('en', key, params)}`;
}

/** A mail body in both languages: the Japanese text, a rule, then the English. */
export function bilingualMail(key: AccountsMessageKey, params: Record<string, string | number>): string {
  return `${accountsText(key, 'ja', params)}\n\n----\n\n${accountsText(key, 'en', params)}\n`;
}
