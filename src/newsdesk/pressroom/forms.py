from django import forms

from newsdesk.pressroom.models import Submission


class SubmissionForm(forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["organisation", "contact_name", "contact_email", "title", "summary", "body"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "body": forms.Textarea(attrs={"rows": 12})}
        help_texts = {"body": "Plain text or Markdown. 150 to 1,500 words."}

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        words = len(body.split())
        if not 150 <= words <= 1500:
            raise forms.ValidationError(f"The release must have 150 to 1,500 words; it has {words}.")
        return body
